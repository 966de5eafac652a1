"""What every request leaves behind: a request id, an access log line, HTTP metrics.

``ObservedRequests`` is a plain ASGI wrapper usable two ways: around a whole app (what
``create_app`` does, so that a 404 or 405 raised while routing is observed too), or as a
Litestar middleware (what the plugin adds to a host's app, which it cannot wrap). When both
are stacked, the outermost one does the work and the inner one steps aside, so a request is
counted once and has one id.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from voucher_engine_litestar.logs import access_logger
from voucher_engine_litestar.metrics import UNMATCHED_ROUTE, HttpMetrics
from voucher_engine_litestar.request_id import RequestIdMiddleware

# Set in the scope by the wrapper that observes a request; the ASGI scope is one dict for the
# whole request, shared by every layer.
_OBSERVED = "voucher_engine.observed"
#: The app state key of the app's Telemetry.
STATE_KEY = "voucher_engine_telemetry"


@dataclass(frozen=True, slots=True)
class Telemetry:
    """What an app records about its requests (from its state, so one wrapper fits any app)."""

    http_metrics: HttpMetrics | None
    access_log: bool


class ObservedRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._with_request_id = RequestIdMiddleware(self._observe)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get(_OBSERVED):
            await self.app(scope, receive, send)
            return
        scope[_OBSERVED] = True  # type: ignore[literal-required]  # our own marker, not an ASGI key
        await self._with_request_id(scope, receive, send)

    async def _observe(self, scope: Scope, receive: Receive, send: Send) -> None:
        telemetry: Telemetry | None = scope["litestar_app"].state.get(STATE_KEY)
        if telemetry is None or (telemetry.http_metrics is None and not telemetry.access_log):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # Unless a response starts, the client saw the connection fail: count it as a 500.
        status = 500

        async def send_watching(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_watching)
        finally:
            seconds = time.perf_counter() - started
            # Litestar writes the matched route's template into the scope while routing.
            route = scope.get("path_template") or UNMATCHED_ROUTE
            method = cast("HTTPScope", scope)["method"]  # __call__ passes only HTTP scopes on
            if telemetry.http_metrics is not None:
                telemetry.http_metrics.observe(method, route, status, seconds)
            if telemetry.access_log:
                client = scope.get("client")
                access_logger.info(
                    "%s %s %d", method, route, status,
                    extra={
                        "method": method, "route": route, "status": status,
                        "duration_ms": round(seconds * 1000, 3),
                        "client": client[0] if client else None,
                    },
                )
