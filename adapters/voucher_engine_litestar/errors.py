"""Engine errors and HTTP errors rendered as ``{"code": ..., "message": ...}``.

The HTTP status of each engine error class is chosen here, at the web boundary, and nowhere
else: ``voucher_engine.errors`` knows nothing of HTTP. Provider routers that speak a partner's
error shape install their own handlers, which take precedence over these app-level ones.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandlersMap

from voucher_engine import errors
from voucher_engine.providers import STORAGE_MESSAGE, Failure, FailureKind, Operation, Provider
from voucher_engine_litestar.log import logger
from voucher_engine_litestar.metrics import UNMATCHED_ROUTE
from voucher_engine_litestar.routers import failure_of_http, owner_of_path, render_failure

#: Any request, whatever its user, auth and state types.
AnyRequest = Request[Any, Any, Any]

# The most specific class wins (looked up along the error's MRO), so a subclass can differ
# from its family without a special case in the handler.
STATUS_BY_ERROR: dict[type[errors.VoucherEngineError], int] = {
    errors.ValidationError: 422,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Rejected: 409,
    errors.Conflict: 409,
    errors.IdempotencyKeyInUse: 409,
    errors.IdempotencyKeyReused: 422,
    errors.StorageError: 503,
    errors.TooManyAttempts: 429,
}

# Seconds a client should wait before retrying a retryable error (a lock or a running request).
RETRY_AFTER_S = 1


class ErrorBody(msgspec.Struct):
    code: str
    message: str


def status_for(error: errors.VoucherEngineError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    # An engine error outside every family is a gap in this table, not the caller's fault.
    return 500


def route_of(request: AnyRequest) -> str:
    """What a log line may say about the request's path: the matched route's template, never
    the raw path (paths hold voucher codes, which are bearer secrets)."""
    return str(request.scope.get("path_template") or UNMATCHED_ROUTE)


def engine_error_response(request: AnyRequest, error: errors.VoucherEngineError) -> Response[ErrorBody]:
    status = status_for(error)
    message = error.message
    if isinstance(error, errors.StorageError):
        # The driver's text can name tables, hosts and users: log it, do not send it.
        logger.error("storage error on %s %s: %s", request.method, route_of(request), error.message)
        message = STORAGE_MESSAGE
    elif isinstance(error, errors.InvalidData):
        logger.info(
            "the database refused a value on %s %s: %s", request.method, route_of(request), error.details.get("cause")
        )
    elif status >= 500:
        logger.error("unmapped engine error %r on %s %s", error, request.method, route_of(request))
    headers = None
    if isinstance(error, errors.TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    elif error.retryable:
        headers = {"Retry-After": str(RETRY_AFTER_S)}
    return Response(ErrorBody(error.code, message), status_code=status, headers=headers)


# The adapter's own routes answer in the adapter's shape even when a provider is mounted at "/".
_OWN_PATHS = ("/health", "/ready", "/stats", "/metrics", "/providers/", "/schema")


def _mounted_provider(request: AnyRequest) -> tuple[Provider, Operation | None] | None:
    """The provider (and operation, for a 405) whose prefix the request fell under, if any."""
    path = request.url.path
    if any(path == own or path.startswith(own.rstrip("/") + "/") for own in _OWN_PATHS):
        return None
    return owner_of_path(getattr(request.app.state, "mounts", []), path)


def http_error_response(request: AnyRequest, error: HTTPException) -> Response[Any]:
    owner = _mounted_provider(request)
    if owner is not None:
        # A 404 or 405 under a provider's prefix is part of that provider's API: its shape
        # (for a 405, the shape of the operation at that path).
        provider, op = owner
        response = render_failure(provider, failure_of_http(error), op)
        for name, value in (error.headers or {}).items():
            response.headers.setdefault(name, value)
        return response
    status = error.status_code
    code = HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    # Litestar's own exceptions carry headers that belong to the answer (Allow on a 405).
    return Response(ErrorBody(code, error.detail), status_code=status, headers=error.headers)


def internal_error_response(request: AnyRequest, error: Exception) -> Response[Any]:
    logger.error("unhandled %s on %s %s", type(error).__name__, request.method, route_of(request), exc_info=error)
    owner = _mounted_provider(request)
    if owner is not None:
        return render_failure(owner[0], Failure(FailureKind.INTERNAL, "internal server error"), owner[1])
    return Response(ErrorBody("internal_error", "internal server error"), status_code=500)


def exception_handlers(*, debug: bool = False) -> ExceptionHandlersMap:
    handlers: ExceptionHandlersMap = {
        errors.VoucherEngineError: engine_error_response,
        HTTPException: http_error_response,
    }
    if not debug:
        # In debug mode Litestar's own 500 page, with its traceback, is the useful answer.
        handlers[500] = internal_error_response
    return handlers
