"""Members: the holders a tenant knows, each with a stable integer id and several identifiers.

A partner names one person in many ways (a username, a member number, a loyalty card, a
referral code, an id in another system). Each identifier is a (kind, value) pair unique within
the tenant, so any one of them finds the member; a member carries at most one value per kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from voucher_engine.errors import ValidationError

#: The kinds the partner APIs use; any other short name, or ``external:<system>``, is accepted.
KNOWN_KINDS = frozenset(
    {
        "username",
        "member_number",
        "card_number",
        "referral_code",
        "auxiliary",
        "authentication_point",
    }
)
_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}(:[A-Za-z0-9_.\-]{1,31})?")
MAX_VALUE_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    tenant_id: str
    identifiers: dict[str, str]
    created_at: datetime


def check_identifiers(identifiers: Mapping[str, str]) -> dict[str, str]:
    """The identifiers as a plain dict, or ``ValidationError`` naming the first bad one."""
    if not isinstance(identifiers, Mapping):
        raise ValidationError("identifiers are a mapping of kind to value")
    checked = {}
    for kind, value in identifiers.items():
        if not isinstance(kind, str) or not _KIND.fullmatch(kind):
            raise ValidationError(
                f"identifier kind {kind!r} is not a short lower-case name (or external:<system>)",
                kind=kind,
            )
        if not isinstance(value, str) or not (0 < len(value) <= MAX_VALUE_LENGTH) or value != value.strip():
            raise ValidationError(
                f"identifier {kind!r} needs a value of 1 to {MAX_VALUE_LENGTH} characters without surrounding spaces",
                kind=kind,
            )
        checked[kind] = value
    return checked
