"""One Litestar Router per provider, generated from its framework-neutral operations.

Each operation becomes a handler whose signature is built here, so Litestar decodes the body
(JSON or form) and the query into the provider's msgspec types and documents them in
OpenAPI. Everything that can fail -- a malformed or invalid body, missing credentials, an
engine error -- is rendered by the provider's own ``render_error``, so clients see the shape
and statuses their partner documented.
"""

from __future__ import annotations

import base64
import binascii
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Request, Response, Router
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, QueryParameter, RawBody
from litestar.response import Redirect

from voucher_engine import errors
from voucher_engine.providers import (
    AuthScheme,
    Call,
    Credentials,
    Failure,
    FailureKind,
    Operation,
    Provider,
    Reply,
    failure_of,
)

from voucher_engine_litestar.log import logger
from voucher_engine_litestar.request_id import current_request_id


@dataclass(frozen=True, slots=True)
class Mount:
    """A provider served under a prefix ("/promo", or "/" for a drop-in replacement)."""

    provider: Provider
    prefix: str

    @property
    def path(self) -> str:
        return "/" + self.prefix.strip("/")


def reply_to_response(reply: Reply | Any, default_status: int) -> Response:
    if not isinstance(reply, Reply):
        reply = Reply(body=reply)
    headers = dict(reply.headers)
    if reply.redirect is not None:
        return Redirect(reply.redirect, status_code=reply.status or 302, headers=headers)
    status = reply.status or default_status
    if reply.content is not None:
        return Response(reply.content, media_type=reply.media_type, status_code=status, headers=headers)
    return Response(reply.body, media_type=reply.media_type, status_code=status, headers=headers)


def render_failure(provider: Provider, failure: Failure) -> Response:
    if failure.kind is FailureKind.INTERNAL:
        logger.error("internal failure in provider %s: %s", provider.name, failure.message)
    return reply_to_response(provider.render_error(failure), 500)


def failure_of_http(error: HTTPException) -> Failure:
    """Litestar's own refusals, classified: a body that does not parse is MALFORMED, one that
    parses but does not fit the operation's types is INVALID."""
    status = error.status_code
    if isinstance(error, ValidationException):
        return Failure(FailureKind.INVALID, str(error.detail))
    kind = {
        401: FailureKind.UNAUTHORIZED, 403: FailureKind.FORBIDDEN, 404: FailureKind.NOT_FOUND,
        405: FailureKind.METHOD_NOT_ALLOWED, 413: FailureKind.TOO_LARGE, 429: FailureKind.RATE_LIMITED,
    }.get(status, FailureKind.MALFORMED if status == 400 else FailureKind.INTERNAL)
    retry = error.headers.get("Retry-After") if error.headers else None
    return Failure(kind, str(error.detail), retry_after=int(retry) if retry and retry.isdigit() else None)


def _credentials(scheme: AuthScheme, headers: Mapping[str, str]) -> Credentials:
    lowered = {k.lower(): v for k, v in headers.items()}
    if scheme.kind == "header":
        value = lowered.get(scheme.header.lower())
        if not value:
            raise errors.Unauthorized(f"missing {scheme.header} header")
        return Credentials("header", token=value, headers=lowered)
    raw = lowered.get("authorization", "")
    kind, _, value = raw.partition(" ")
    if scheme.kind == "bearer":
        if kind.lower() != "bearer" or not value.strip():
            raise errors.Unauthorized("missing bearer token")
        return Credentials("bearer", token=value.strip(), headers=lowered)
    if kind.lower() != "basic":
        raise errors.Unauthorized("missing Basic credentials")
    try:
        username, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise errors.Unauthorized("malformed Basic credentials") from None
    if not sep:
        raise errors.Unauthorized("malformed Basic credentials")
    return Credentials("basic", username=username, password=password, headers=lowered)


def _query_parameters(query: type | None) -> list[tuple[str, str, Any, Any]]:
    """(python name, wire name, type, default) of each field of a query Struct."""
    if query is None:
        return []
    hints = msgspec.structs.fields(query)
    return [
        (f.name, f.encode_name, f.type, None if f.required else f.default)
        for f in hints
    ]


def _make_endpoint(provider: Provider, op: Operation) -> Callable[..., Response]:
    query_fields = _query_parameters(op.query)

    def endpoint(request: Request, **kwargs: Any) -> Response:
        try:
            principal = request.scope.get(_PRINCIPAL)
            query = None
            if op.query is not None:
                # Re-validate through msgspec so the Struct's constraints (Meta) apply too.
                query = msgspec.convert(
                    {wire: kwargs[name] for name, wire, _, _ in query_fields if kwargs[name] is not None},
                    op.query, strict=False,
                )
            call = Call(
                engine=request.app.state.engine,
                principal=principal,
                path={k: str(v) for k, v in request.path_params.items()},
                query=query,
                body=kwargs.get("body") if op.body_encoding == "raw" else kwargs.get("data"),
                headers={k.lower(): v for k, v in request.headers.items()},
                request_id=current_request_id() or "",
                idempotency_key=request.headers.get("idempotency-key"),
            )
            return reply_to_response(op.handler(call), op.status)
        except errors.VoucherEngineError as error:
            return render_failure(provider, failure_of(error))
        except msgspec.ValidationError as error:
            return render_failure(provider, Failure(FailureKind.INVALID, str(error)))

    parameters = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    annotations: dict[str, Any] = {"request": Request, "return": Response}
    if op.body_encoding == "raw":
        # Litestar's reserved ``body`` parameter: the request's bytes, size limit applied.
        parameters.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=RawBody))
        annotations["body"] = RawBody
    elif op.body is not None:
        encoding = RequestEncodingType.URL_ENCODED if op.body_encoding == "form" else RequestEncodingType.JSON
        body_type = Annotated[op.body, Body(media_type=encoding)]
        parameters.append(inspect.Parameter("data", inspect.Parameter.KEYWORD_ONLY, annotation=body_type))
        annotations["data"] = body_type
    for name, wire, type_, default in query_fields:
        annotated = Annotated[type_ | None, QueryParameter(name=wire)]
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotated, default=default))
        annotations[name] = annotated
    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=Response)  # type: ignore[attr-defined]
    endpoint.__annotations__ = annotations
    endpoint.__name__ = f"{provider.name}_{op.name}"
    endpoint.__qualname__ = endpoint.__name__
    return endpoint


_PRINCIPAL = "voucher_engine.principal"


def _guard(scheme: AuthScheme) -> Callable:
    """Authenticate before Litestar reads the body: a caller without valid credentials hears
    401, never a validation error about a body nobody should have looked at."""

    async def authenticate(connection: ASGIConnection, _handler: object) -> None:
        credentials = _credentials(scheme, connection.headers)
        # Credentials are checked against the database: off the event loop, like the handlers.
        connection.scope[_PRINCIPAL] = await anyio.to_thread.run_sync(
            scheme.authenticate, connection.app.state.engine, credentials
        )

    return authenticate


def _exception_handlers(provider: Provider) -> dict:
    return {
        HTTPException: lambda request, error: render_failure(provider, failure_of_http(error)),
        errors.VoucherEngineError: lambda request, error: render_failure(provider, failure_of(error)),
    }


def security_scheme_name(provider: Provider, scheme: AuthScheme) -> str:
    return f"{provider.name}-{scheme.kind}" + (f"-{scheme.header.lower()}" if scheme.kind == "header" else "")


def provider_router(mount: Mount) -> Router:
    provider = mount.provider
    handlers = []
    for op in provider.operations:
        handler = HTTPRouteHandler(
            path=op.path,
            http_method=op.method,
            status_code=op.status,
            sync_to_thread=True,
            operation_id=f"{provider.name}.{op.name}" + ("" if mount.path == f"/{provider.name}" else f"@{mount.path}"),
            summary=op.summary or None,
            description=op.description or None,
            tags=[provider.title],
            security=[{security_scheme_name(provider, op.auth): []}] if op.auth else None,
            guards=[_guard(op.auth)] if op.auth else None,
            request_max_body_size=op.max_body_bytes,
            responses={op.status: ResponseSpec(data_container=op.response, description="OK")} if op.response else None,
            exception_handlers=_exception_handlers(provider),
        )(_make_endpoint(provider, op))
        handlers.append(handler)
    return Router(path=mount.path, route_handlers=handlers)


def mount_for_path(mounts: list[Mount], path: str) -> Mount | None:
    """The mount whose prefix is the longest match of ``path`` (a "/" mount matches all)."""
    best: Mount | None = None
    for mount in mounts:
        prefix = mount.path.rstrip("/")
        if (path == prefix or path.startswith(prefix + "/")) and (best is None or len(prefix) > len(best.path.rstrip("/"))):
            best = mount
    return best
