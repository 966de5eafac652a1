"""OAuth2 scope strings (RFC 6749 3.3): space-separated tokens of printable ASCII without
``"`` and ``\\``."""

from __future__ import annotations

import re
from collections.abc import Iterable

from voucher_engine.errors import ValidationError

_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,128}$")


def parse_scopes(scopes: str | Iterable[str] | None) -> frozenset[str]:
    if scopes is None:
        return frozenset()
    items = scopes.split(" ") if isinstance(scopes, str) else list(scopes)
    items = [item for item in items if item != ""]
    for item in items:
        if not isinstance(item, str) or not _SCOPE_TOKEN.match(item):
            raise ValidationError(f"invalid scope {item!r}")
    return frozenset(items)


def format_scopes(scopes: Iterable[str]) -> str:
    return " ".join(sorted(scopes))
