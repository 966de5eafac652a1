"""Structured logs: a JSON formatter (msgspec) and the access log.

Every line carries the request id of the request it was written in. The access log writes
the route template (``/giftcard/cards/{code:str}``), never the raw path or query: paths hold
voucher codes, which are bearer secrets and do not belong in logs.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

import msgspec

from voucher_engine_litestar.request_id import RequestIdLogFilter, current_request_id

ADAPTER_LOGGER = "voucher_engine_litestar"
#: One line per request, at INFO; a child of the adapter's logger, so one handler gets both.
#: Its records carry ``request_id`` from where they are made (``telemetry``), so this logger
#: needs no filter of its own: the one on the handler is the only one a line passes.
ACCESS_LOGGER = f"{ADAPTER_LOGGER}.access"
access_logger = logging.getLogger(ACCESS_LOGGER)

# Attributes every LogRecord has; anything else on a record was passed as ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}

# ``extra`` values msgspec encodes natively (str, numbers, lists, dicts, datetimes, UUIDs,
# enums, dataclasses) are encoded as msgspec does; anything else as its ``str()``.
_encode = msgspec.json.Encoder(enc_hook=str).encode


class _UtcSeconds:
    """ISO 8601 UTC times to the millisecond, the calendar part built once per second (every
    line of that second shares it): ``datetime.isoformat(timespec="milliseconds")``'s text."""

    def __init__(self) -> None:
        # (second, its text), replaced as one object so another thread never sees a mix.
        self._cached: tuple[int, str] = (0, "1970-01-01T00:00:00")

    def __call__(self, timestamp: float) -> str:
        # Rounded to the microsecond as ``datetime.fromtimestamp`` does (the fraction alone,
        # half to even), then cut to the millisecond.
        fraction, whole = math.modf(timestamp)
        micros, second = round(fraction * 1e6), int(whole)
        if micros >= 1_000_000:
            micros, second = micros - 1_000_000, second + 1
        elif micros < 0:
            micros, second = micros + 1_000_000, second - 1
        cached_second, text = self._cached
        if second != cached_second:
            text = datetime.fromtimestamp(second, UTC).isoformat()[:19]
            self._cached = (second, text)
        return f"{text}.{micros // 1000:03d}+00:00"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, the record's
    ``extra`` fields, and the formatted exception if there is one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._time = _UtcSeconds()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # Set by RequestIdLogFilter where the record was made; the context var is the
            # fallback when the formatter runs in that same context.
            "request_id": getattr(record, "request_id", None) or current_request_id() or "-",
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return _encode(line).decode()


class _JsonLinesHandler(logging.StreamHandler[TextIO]):
    """The handler ``configure_json_logging`` installs, told apart from a host's own.

    It also writes access lines without a ``LogRecord`` (``write_access``): the line
    ``JsonFormatter`` makes of an access record, for a third of the cost (the record and the
    formatter were two thirds of the access line's, about 14 of 23 us per request). Used only
    while this handler is the one place access records would go (``direct_access_handler``).
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._time = _UtcSeconds()
        # Per (method, route, status): the line's text around the request id, JSON-encoded once.
        self._access_parts: dict[tuple[str, str, int], tuple[str, str]] = {}

    def write_access(
        self, method: str, route: str, status: int, duration_ms: float, client: str | None, request_id: str
    ) -> None:
        parts = self._access_parts.get((method, route, status))
        if parts is None:
            parts = self._new_access_parts(method, route, status)
        before_id, after_id = parts
        text = (
            f'{{"time":"{self._time(time.time())}"{before_id}{_encode(request_id).decode()}{after_id}'
            f'{_encode(duration_ms).decode()},"client":{_encode(client).decode()}}}{self.terminator}'
        )
        with self.lock:  # type: ignore[union-attr]  # a StreamHandler always has its lock
            self.stream.write(text)
            self.stream.flush()

    def _new_access_parts(self, method: str, route: str, status: int) -> tuple[str, str]:
        """The fixed fields of an access line, in ``JsonFormatter``'s order: the record's own
        fields (the message included), then the ``extra`` ones as ``telemetry`` sets them."""
        fixed = {"level": "INFO", "logger": ACCESS_LOGGER, "message": f"{method} {route} {status}"}
        extra = {"method": method, "route": route, "status": status, "duration_ms": None}
        # '{"level":...,"message":"..."}' -> ',"level":...,"message":"...","request_id":', and
        # '{"method":...,"duration_ms":null}' -> ',"method":...,"duration_ms":'
        before_id = "," + _encode(fixed).decode()[1:-1] + ',"request_id":'
        after_id = "," + _encode(extra).decode()[1:-5]
        parts = (before_id, after_id)
        if len(self._access_parts) >= _MAX_ACCESS_PARTS:  # methods are the client's to choose
            self._access_parts.clear()
        self._access_parts[(method, route, status)] = parts
        return parts


#: Access-line parts kept per handler; beyond it they are made again (still right, slower).
_MAX_ACCESS_PARTS = 1024


def direct_access_handler() -> _JsonLinesHandler | None:
    """The JSON handler, when an access line written by it directly is exactly what logging
    the record would write: it is the only handler an access record reaches, it formats with
    ``JsonFormatter``, and no filter, level or host handler is on the way."""
    adapter = access_logger.parent
    if access_logger.handlers or access_logger.filters or not access_logger.propagate or adapter is None:
        return None
    # The parent's own filters do not apply to a child's records: only its handlers do.
    handlers = adapter.handlers
    if len(handlers) != 1 or adapter.propagate:
        return None
    handler = handlers[0]
    if (
        type(handler) is not _JsonLinesHandler
        or type(handler.formatter) is not JsonFormatter
        or handler.level > logging.INFO
        or len(handler.filters) != 1
        or type(handler.filters[0]) is not RequestIdLogFilter
    ):
        return None
    return handler


def configure_json_logging(
    level: int | str = logging.INFO, stream: TextIO | None = None, formatter: logging.Formatter | None = None
) -> logging.Handler:
    """Send the adapter's records (access log included) to ``stream`` as JSON lines.

    For a process that serves only this app (``voucher-engine serve``); a host with its own
    logging setup attaches ``JsonFormatter`` and ``RequestIdLogFilter`` to its own handlers
    instead. Calling it again replaces the handler it installed instead of adding another.
    """
    logger = logging.getLogger(ADAPTER_LOGGER)
    for installed in [h for h in logger.handlers if isinstance(h, _JsonLinesHandler)]:
        logger.removeHandler(installed)
    handler = _JsonLinesHandler(stream or sys.stderr)
    handler.setFormatter(formatter or JsonFormatter())
    handler.addFilter(RequestIdLogFilter())
    logger.addHandler(handler)
    logger.setLevel(level)
    # The lines are complete here; the root logger's handlers would print them a second time.
    logger.propagate = False
    return handler


#: ``log_format = "text"``: one plain line per record, with the request id.
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_text_logging(level: int | str = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """As ``configure_json_logging``, in plain lines for a terminal instead of a log shipper."""
    return configure_json_logging(level, stream, logging.Formatter(TEXT_FORMAT))
