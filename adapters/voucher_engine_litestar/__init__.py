"""Litestar adapter: serves a voucher engine over HTTP.

``create_app(engine)`` for a host that opens the engine itself; ``create_app_from_env()`` for
``voucher-engine serve`` (uvicorn's factory), which opens it from ``$VOUCHER_ENGINE_URL``.
"""

from voucher_engine_litestar.app import create_app, create_app_from_env
from voucher_engine_litestar.logs import JsonFormatter, configure_json_logging
from voucher_engine_litestar.plugin import VoucherEnginePlugin
from voucher_engine_litestar.ratelimit import RateLimit
from voucher_engine_litestar.request_id import RequestIdLogFilter, current_request_id

__all__ = [
    "JsonFormatter",
    "RateLimit",
    "RequestIdLogFilter",
    "VoucherEnginePlugin",
    "configure_json_logging",
    "create_app",
    "create_app_from_env",
    "current_request_id",
]
