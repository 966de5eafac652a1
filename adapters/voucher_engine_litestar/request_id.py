"""Request ids: one per request, echoed in ``X-Request-ID`` and visible to every log line.

Set and echoed by ``telemetry.ObservedRequests``, the one wrapper each request passes through
(which wraps the whole app, so a 404 or 405 raised while routing gets an id too); this module
holds the id's rules and the context variable every log record reads it from.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from contextvars import ContextVar, Token

from litestar.types import Scope

HEADER = "x-request-id"
_HEADER_BYTES = HEADER.encode("latin-1")
# A caller's id is written into our logs and echoed back; anything beyond a short plain token
# could forge log lines or smuggle header content, so it is replaced rather than cleaned.
_SANE = re.compile(r"[A-Za-z0-9._-]{1,128}")

_current: ContextVar[str | None] = ContextVar("voucher_engine_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served in this context, None outside a request."""
    return _current.get()


def choose_request_id(incoming: str | None) -> str:
    """The caller's id when it is a sane token, else a new one (32 hex digits, random)."""
    if incoming is not None and _SANE.fullmatch(incoming):
        return incoming
    # The 128 random bits of a uuid4, without building a UUID object on every request.
    return os.urandom(16).hex()


def incoming_request_id(scope: Scope) -> str | None:
    """The ``X-Request-ID`` the caller sent, if any."""
    for name, value in scope.get("headers", ()):
        if name.lower() == _HEADER_BYTES:
            return value.decode("latin-1")
    return None


def with_request_id(headers: Iterable[tuple[bytes, bytes]], request_id: str) -> list[tuple[bytes, bytes]]:
    """Response headers carrying ``request_id`` as the one ``X-Request-ID``."""
    kept = [h for h in headers if h[0].lower() != _HEADER_BYTES]
    kept.append((_HEADER_BYTES, request_id.encode("latin-1")))
    return kept


def enter_request(request_id: str) -> Token[str | None]:
    """Make ``request_id`` the current one; hand the token to ``leave_request`` afterwards."""
    return _current.set(request_id)


def leave_request(token: Token[str | None]) -> None:
    _current.reset(token)


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to each record ("-" outside a request), for ``%(request_id)s``.

    Attach it to a handler (not a logger) to cover records from every logger; with a queue
    handler, attach it to the queue handler, which runs in the thread of the request.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True
