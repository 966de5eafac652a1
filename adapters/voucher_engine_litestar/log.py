"""The adapter's one logger; every record it emits carries the request id."""

from __future__ import annotations

import logging

from voucher_engine_litestar.request_id import RequestIdLogFilter

logger = logging.getLogger("voucher_engine_litestar")
logger.addFilter(RequestIdLogFilter())
