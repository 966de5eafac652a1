"""Request ids: one per request, echoed in ``X-Request-ID`` and visible to every log line.

A plain ASGI wrapper around the whole application, not a Litestar middleware: Litestar runs its
middleware only after a route matched, and a 404 or 405 deserves an id as much as a 200.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

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
    """The caller's id when it is a sane token, else a new one."""
    if incoming is not None and _SANE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _incoming(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == _HEADER_BYTES:
            return value.decode("latin-1")
    return None


class RequestIdMiddleware:
    """Sets the request id for the duration of an HTTP request and adds it to the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = choose_request_id(_incoming(scope))
        header = (_HEADER_BYTES, request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", ()) if h[0].lower() != _HEADER_BYTES]
                message["headers"] = [*headers, header]
            await send(message)

        token = _current.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to each record ("-" outside a request), for ``%(request_id)s``.

    Attach it to a handler (not a logger) to cover records from every logger; with a queue
    handler, attach it to the queue handler, which runs in the thread of the request.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True
