"""Structured logs: a JSON formatter (standard library only) and the access log.

Every line carries the request id of the request it was written in. The access log writes
the route template (``/giftcard/cards/{code:str}``), never the raw path or query: paths hold
voucher codes, which are bearer secrets and do not belong in logs.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from voucher_engine_litestar.request_id import RequestIdLogFilter, current_request_id

ADAPTER_LOGGER = "voucher_engine_litestar"
#: One line per request, at INFO; a child of the adapter's logger, so one handler gets both.
access_logger = logging.getLogger(f"{ADAPTER_LOGGER}.access")
# A logger's filters only see records logged on that very logger, not its children's.
access_logger.addFilter(RequestIdLogFilter())

# Attributes every LogRecord has; anything else on a record was passed as ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, the record's
    ``extra`` fields, and the formatted exception if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
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
        return json.dumps(line, default=str, ensure_ascii=False)


class _JsonLinesHandler(logging.StreamHandler[TextIO]):
    """The handler ``configure_json_logging`` installs, told apart from a host's own."""


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
