"""What every request leaves behind: a request id, an access log line, HTTP metrics.

``ObservedRequests`` is a plain ASGI wrapper usable two ways: around a whole app (what
``create_app`` does, so that a 404 or 405 raised while routing is observed too), or as a
Litestar middleware (what the plugin adds to a host's app, which it cannot wrap). When both
are stacked, the outermost one does the work and the inner one steps aside, so a request is
counted once and has one id.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from voucher_engine_litestar.http_metrics import HttpMetrics
from voucher_engine_litestar.logs import access_logger, direct_access_handler
from voucher_engine_litestar.metrics import UNMATCHED_ROUTE
from voucher_engine_litestar.request_id import (
    choose_request_id,
    enter_request,
    incoming_request_id,
    leave_request,
    with_request_id,
)

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
    """One wrapper, one ``send`` hook per request: the id set and echoed, the status watched,
    the metric and the log line written once the answer is out. What can be decided once
    (this app's ``Telemetry``) is looked up once per app, not per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._resolved_for: object = None
        self._telemetry: Telemetry | None = None

    def _telemetry_of(self, litestar_app: Any) -> Telemetry | None:
        # The state is the app's, set up before it serves; a wrapper sees one app (or, as
        # middleware, the app it was built for), so the answer is kept per app object.
        if litestar_app is not self._resolved_for:
            telemetry: Telemetry | None = litestar_app.state.get(STATE_KEY)
            if telemetry is not None and telemetry.http_metrics is None and not telemetry.access_log:
                telemetry = None
            self._telemetry, self._resolved_for = telemetry, litestar_app
        return self._telemetry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or _OBSERVED in scope:
            await self.app(scope, receive, send)
            return
        scope[_OBSERVED] = True  # type: ignore[literal-required]  # our own marker, not an ASGI key
        telemetry = self._telemetry_of(scope["litestar_app"])
        request_id = choose_request_id(incoming_request_id(scope))
        started = time.perf_counter_ns()
        # Unless a response starts, the client saw the connection fail: count it as a 500.
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = with_request_id(message.get("headers", ()), request_id)
            await send(message)

        token = enter_request(request_id)
        try:
            await self.app(scope, receive, send_observed)
        finally:
            if telemetry is not None:
                _record(telemetry, scope, status, time.perf_counter_ns() - started, request_id)
            leave_request(token)


def _record(telemetry: Telemetry, scope: HTTPScope, status: int, nanoseconds: int, request_id: str) -> None:
    """The metric and the access log line of one answered request."""
    # Litestar writes the matched route's template into the scope while routing.
    route: str = scope.get("path_template") or UNMATCHED_ROUTE
    method = scope["method"]
    if telemetry.http_metrics is not None:
        telemetry.http_metrics.observe(method, route, status, nanoseconds / 1e9)
    if telemetry.access_log and access_logger.isEnabledFor(logging.INFO):
        client = scope.get("client")
        address = client[0] if client else None
        duration_ms = milliseconds(nanoseconds)
        direct = direct_access_handler()
        if direct is not None:
            direct.write_access(method, route, status, duration_ms, address, request_id)
        else:
            _log_access(method, route, status, duration_ms, address, request_id)


def milliseconds(nanoseconds: int) -> float:
    """``round(nanoseconds / 1e6, 3)`` in integers (a quarter of ``round``'s cost): whole
    microseconds, halves up, as milliseconds."""
    return (nanoseconds + 500) // 1000 / 1000


def _log_access(method: str, route: str, status: int, duration_ms: float, client: str | None, request_id: str) -> None:
    """``access_logger.info("%s %s %d", method, route, status, extra={...})``, made and handed
    to the logger's handlers directly: the record is the same, the stack walk is saved, and
    it carries its request id already, so no filter has to look it up."""
    pathname, lineno, func = _ACCESS_LINE
    record = logging.getLogRecordFactory()(
        access_logger.name,
        logging.INFO,
        pathname,
        lineno,
        "%s %s %d",
        (method, route, status),
        None,
        func,
    )
    fields = record.__dict__
    fields["method"], fields["route"], fields["status"] = method, route, status
    fields["duration_ms"], fields["client"], fields["request_id"] = duration_ms, client, request_id
    access_logger.handle(record)


# Where each access record says it was made (``Logger.info`` would walk the stack to find a
# place on every request; this one is found once).
_ACCESS_LINE = (__file__, _log_access.__code__.co_firstlineno, _log_access.__name__)
