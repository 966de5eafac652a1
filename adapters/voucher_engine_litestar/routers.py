"""One Litestar Router per provider, generated from its framework-neutral operations.

Each operation becomes one async endpoint that does, in order: the operation's rate limit (a
guard), authentication (before the body is looked at, unless the credentials are in the body),
decoding the body and the query into the provider's msgspec types (``decoding``), and the
handler. A small body is read first and the rest runs in one worker thread; a body that is not
read before the credentials pass (large, or offered with ``Expect: 100-continue``) is read on
the event loop between a thread checking them and a thread running the handler. Everything
that can fail -- a malformed or invalid body, missing credentials, a body too large, an engine
error -- is rendered by the operation's ``render_error`` (else the provider's), so clients see
the shape and statuses their partner documented. The OpenAPI a partner reads is built from the same description (``openapi``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import anyio.to_thread
import msgspec
from litestar import Request, Response, Router
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from voucher_engine import errors
from voucher_engine.identity.attempts import client_address
from voucher_engine.providers import (
    AuthScheme,
    Call,
    Failure,
    FailureKind,
    Operation,
    Provider,
    Reply,
    failure_of,
    invalid_input,
)
from voucher_engine_litestar.credentials import body_credentials, choose
from voucher_engine_litestar.decoding import EarlyBody, Refused, body_of, early_body, path_of, query_of
from voucher_engine_litestar.log import logger
from voucher_engine_litestar.ratelimit import RateLimit, RateLimitGuard
from voucher_engine_litestar.request_id import current_request_id

if TYPE_CHECKING:
    from litestar.response.redirect import RedirectStatusType


@dataclass(frozen=True, slots=True)
class Mount:
    """A provider served under a prefix ("/promo", or "/" for a drop-in replacement)."""

    provider: Provider
    prefix: str

    @property
    def path(self) -> str:
        return "/" + self.prefix.strip("/")


#: Statuses whose responses have no body (RFC 9110).
NO_BODY = frozenset({204, 304})


def reply_to_response(reply: Reply | Any, default_status: int) -> Response[Any]:
    if not isinstance(reply, Reply):
        reply = Reply(body=reply)
    headers = dict(reply.headers)
    if reply.redirect is not None:
        # The provider's redirect status, as it gave it (Litestar types it as one of the five).
        status_code = cast("RedirectStatusType", reply.status or 302)
        return Redirect(reply.redirect, status_code=status_code, headers=headers)
    status = reply.status or default_status
    if status in NO_BODY:
        return Response(None, status_code=status, headers=headers)
    if reply.content is not None:
        return Response(reply.content, media_type=reply.media_type, status_code=status, headers=headers)
    return Response(reply.body, media_type=reply.media_type, status_code=status, headers=headers)


def renderer_of(provider: Provider, op: Operation | None) -> Callable[[Failure], Reply]:
    return op.render_error if op is not None and op.render_error is not None else provider.render_error


def render_failure(provider: Provider, failure: Failure, op: Operation | None = None) -> Response[Any]:
    if failure.kind is FailureKind.INTERNAL:
        logger.error("internal failure in provider %s: %s", provider.name, failure.message)
    return reply_to_response(renderer_of(provider, op)(failure), 500)


def failure_of_http(error: HTTPException) -> Failure:
    """Litestar's own refusals, classified: a body that does not parse is MALFORMED, one that
    parses but does not fit the operation's types is INVALID."""
    status = error.status_code
    if isinstance(error, ValidationException):
        return Failure(FailureKind.INVALID, str(error.detail))
    kind = {
        401: FailureKind.UNAUTHORIZED,
        403: FailureKind.FORBIDDEN,
        404: FailureKind.NOT_FOUND,
        405: FailureKind.METHOD_NOT_ALLOWED,
        413: FailureKind.TOO_LARGE,
        429: FailureKind.RATE_LIMITED,
    }.get(status, FailureKind.MALFORMED if 400 <= status < 500 else FailureKind.INTERNAL)
    retry = error.headers.get("Retry-After") if error.headers else None
    return Failure(kind, str(error.detail), retry_after=int(retry) if retry and retry.isdigit() else None)


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    return bool(length and length.strip() != "0") or "transfer-encoding" in request.headers


def _make_endpoint(provider: Provider, op: Operation) -> Callable[..., Any]:
    takes_body = op.body is not None or "raw" in op.encodings

    async def endpoint(request: Request[Any, Any, Any]) -> Response[Any]:
        # Failed authentications count against this address (voucher_engine.identity.attempts).
        with client_address(request.client.host if request.client else None):
            early = await early_body(op, request) if takes_body else None
            if early is not None or not takes_body:
                # The usual request: one trip to a worker thread for all the rest (a trip costs
                # about 40 us of CPU: two threads woken, one of them the event loop's).
                return await anyio.to_thread.run_sync(answer_at_once, request, early)
            return await answer_in_steps(request)

    def answer_at_once(request: Request[Any, Any, Any], early: EarlyBody | None) -> Response[Any]:
        """Everything after reading the body (``early``; None for an operation taking none)."""
        try:
            headers = _headers(request)
            principal = None
            if op.auth is not None:
                scheme, credentials = choose(op.schemes, headers, _has_body(request))
                if credentials is None:
                    credentials = body_credentials(scheme, headers, early.decode() if early else None)
                principal = scheme.authenticate(request.app.state.engine, credentials)
            # In this order, as ever: a bad path parameter is named before a bad body.
            path, query = path_of(request), query_of(op, request)
            return handle(request, headers, principal, path, query, early.decode() if early else None)
        except _REFUSALS as error:
            return _refused(provider, op, error)

    async def answer_in_steps(request: Request[Any, Any, Any]) -> Response[Any]:
        """A body not read before the credentials pass: they are checked in a worker thread,
        the body is read on the event loop, the handler runs in another trip."""
        try:
            headers = _headers(request)
            body: Any = _UNREAD
            principal = None
            if op.auth is not None:
                scheme, credentials = choose(op.schemes, headers, _has_body(request))
                if credentials is None:
                    body = await body_of(op, request)
                    credentials = body_credentials(scheme, headers, body)
                # Credentials are checked against the database: off the event loop.
                principal = await anyio.to_thread.run_sync(scheme.authenticate, request.app.state.engine, credentials)
            path, query = path_of(request), query_of(op, request)
            if body is _UNREAD:
                body = await body_of(op, request)
        except _REFUSALS as error:
            return _refused(provider, op, error)
        return await anyio.to_thread.run_sync(handle, request, headers, principal, path, query, body)

    def handle(
        request: Request[Any, Any, Any], headers: dict[str, str], principal: Any, path: Any, query: Any, body: Any
    ) -> Response[Any]:
        """The operation's handler, in a worker thread, and its reply as a response."""
        try:
            call = Call(
                engine=request.app.state.engine,
                principal=principal,
                path=path,
                query=query,
                body=body,
                headers=headers,
                request_id=current_request_id() or "",
                idempotency_key=headers.get("idempotency-key"),
            )
            return reply_to_response(op.handler(call), op.status)
        except _REFUSALS as error:
            return _refused(provider, op, error)

    endpoint.__name__ = f"{provider.name}_{op.name}"
    endpoint.__qualname__ = endpoint.__name__
    return endpoint


_UNREAD = object()


def _headers(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


#: What an operation answers in its provider's shape instead of failing.
_REFUSALS = (Refused, errors.VoucherEngineError, msgspec.ValidationError, HTTPException)


def _refused(provider: Provider, op: Operation, error: Exception) -> Response[Any]:
    if isinstance(error, Refused):
        return render_failure(provider, error.failure, op)
    if isinstance(error, errors.VoucherEngineError):
        return render_failure(provider, failure_of(error), op)
    if isinstance(error, msgspec.ValidationError):
        return render_failure(provider, invalid_input(error), op)
    assert isinstance(error, HTTPException)  # 413 while reading the body, a malformed multipart body
    return render_failure(provider, failure_of_http(error), op)


def _exception_handlers(provider: Provider, op: Operation) -> ExceptionHandlersMap:
    """For what fails before the endpoint runs (the rate-limit guards): the operation's shape."""
    return {
        HTTPException: lambda request, error: render_failure(provider, failure_of_http(error), op),
        errors.VoucherEngineError: lambda request, error: render_failure(provider, failure_of(error), op),
    }


def security_scheme_name(provider: Provider, scheme: AuthScheme) -> str:
    return f"{provider.name}-{scheme.kind}" + (f"-{scheme.header.lower()}" if scheme.kind == "header" else "")


def required_header_scheme_name(provider: Provider, header: str) -> str:
    return f"{provider.name}-header-{header.lower()}"


def security_requirements(provider: Provider, op: Operation) -> list[dict[str, list[str]]] | None:
    """OpenAPI's alternatives: one per scheme, each with the headers it requires; a "body"
    scheme is an alternative with nothing in the headers."""
    if op.auth is None:
        return None
    alternatives = []
    for scheme in op.schemes:
        requirement: dict[str, list[str]] = (
            {} if scheme.kind == "body" else {security_scheme_name(provider, scheme): []}
        )
        for header in scheme.required_headers:
            requirement[required_header_scheme_name(provider, header)] = []
        alternatives.append(requirement)
    return alternatives


def operation_rate_limit(op: Operation) -> RateLimitGuard | None:
    if op.rate_limit is None:
        return None
    limit = RateLimit(per_second=op.rate_limit.requests / op.rate_limit.per_seconds, burst=op.rate_limit.requests)
    return RateLimitGuard(limit)


def operation_id(mount: Mount, op: Operation) -> str:
    provider = mount.provider
    return f"{provider.name}.{op.name}" + ("" if mount.path == f"/{provider.name}" else f"@{mount.path}")


def provider_router(mount: Mount) -> Router:
    provider = mount.provider
    handlers = []
    for op in provider.operations:
        guard = operation_rate_limit(op)
        handler = HTTPRouteHandler(
            path=op.path,
            http_method=op.method,
            # Litestar refuses a body-less status for a handler returning a Response; the
            # response's own status is what counts, and the provider's OpenAPI says 204.
            status_code=200 if op.status in NO_BODY else op.status,
            operation_id=operation_id(mount, op),
            summary=op.summary or None,
            description=op.description or None,
            tags=[provider.title],
            security=security_requirements(provider, op),
            guards=[guard] if guard else None,
            request_max_body_size=op.max_body_bytes,
            exception_handlers=_exception_handlers(provider, op),
        )(_make_endpoint(provider, op))
        handlers.append(handler)
    return Router(path=mount.path, route_handlers=handlers)


_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def template_pattern(path: str) -> re.Pattern[str]:
    """A regex matching the paths of a template ("/cards/{code:str}" -> "/cards/[^/]+")."""
    parts = _PARAMETER.split(path)
    regex = "".join(re.escape(p) if i % 2 == 0 else "[^/]+" for i, p in enumerate(parts))
    return re.compile("^" + (regex.rstrip("/") or "") + "/?$")


def full_path(mount: Mount, op: Operation) -> str:
    return (mount.path.rstrip("/") + "/" + op.path.lstrip("/")).rstrip("/") or "/"


def mounts_for_path(mounts: list[Mount], path: str) -> list[Mount]:
    """The mounts whose prefix is the longest match of ``path`` (a "/" mount matches all);
    several when providers share that prefix."""
    best: list[Mount] = []
    length = -1
    for mount in mounts:
        prefix = mount.path.rstrip("/")
        if path == prefix or path.startswith(prefix + "/"):
            if len(prefix) > length:
                best, length = [mount], len(prefix)
            elif len(prefix) == length:
                best.append(mount)
    return best


def mount_for_path(mounts: list[Mount], path: str) -> Mount | None:
    found = mounts_for_path(mounts, path)
    return found[0] if found else None


def owner_of_path(mounts: list[Mount], path: str) -> tuple[Provider, Operation | None] | None:
    """Who answers a routing miss (404, 405) at ``path``: the provider (and the first of its
    operations) with an operation at that path, else the first provider mounted at the
    longest matching prefix."""
    candidates = mounts_for_path(mounts, path)
    for mount in candidates:
        for op in mount.provider.operations:
            if template_pattern(full_path(mount, op)).match(path):
                return mount.provider, op
    return (candidates[0].provider, None) if candidates else None
