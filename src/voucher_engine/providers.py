"""A framework-neutral description of a provider's HTTP API.

A provider plugin fills these in; an adapter (``voucher_engine_litestar``) mounts them. Nothing
here imports a web framework: the same provider could be mounted by another adapter.

A handler receives a ``Call`` (the engine, the authenticated principal, the decoded path,
query and body) and returns a ``Reply`` or just a body (a msgspec Struct, dict or list, sent
as JSON with the operation's status). Every failure, including a malformed body or a failed
validation that the adapter detects before the handler runs, reaches the provider's
``render_error`` as a ``Failure``, so each provider answers in its own documented shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from voucher_engine import errors

if TYPE_CHECKING:
    from voucher_engine.engine import Engine

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the adapter found in the request for an operation's auth scheme."""

    scheme: str  # "bearer", "basic", "header"
    token: str | None = None  # bearer token or custom header value
    username: str | None = None  # Basic
    password: str | None = None  # Basic
    headers: Mapping[str, str] = field(default_factory=dict)  # all request headers, lower-case


@dataclass(frozen=True, slots=True)
class AuthScheme:
    """How an operation authenticates. ``authenticate`` returns the principal the handler
    gets, or raises ``errors.Unauthorized`` / ``errors.Forbidden``."""

    kind: Literal["bearer", "basic", "header"]
    authenticate: Callable[[Engine, Credentials], Any]
    header: str = "Authorization"  # the header for kind="header"
    description: str = ""


@dataclass(frozen=True, slots=True)
class Call:
    engine: Engine
    principal: Any
    path: Mapping[str, str]
    query: Any
    body: Any
    headers: Mapping[str, str]
    request_id: str
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A response. ``body`` is JSON-encoded unless ``content`` (raw bytes) is given;
    ``redirect`` answers with a Location header and status 302 unless ``status`` says else."""

    body: Any = None
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None
    media_type: str = "application/json"
    redirect: str | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    name: str  # the OpenAPI operationId, unique within the provider
    method: HttpMethod
    path: str  # with {name} or {name:type} path parameters, relative to the provider prefix
    handler: Callable[[Call], Reply | Any]
    body: type | None = None  # a msgspec Struct (None with body_encoding="raw")
    #: "raw": the body is not decoded; the handler gets its bytes as ``call.body`` (still
    #: bounded by ``max_body_bytes``) and reads ``call.headers["content-type"]`` itself, for
    #: CSV uploads or a body that may come in several encodings.
    body_encoding: Literal["json", "form", "raw"] = "json"
    query: type | None = None  # a msgspec Struct of query parameters
    response: type | None = None  # for OpenAPI
    status: int = 200
    auth: AuthScheme | None = None
    summary: str = ""
    description: str = ""
    max_body_bytes: int = 64 * 1024


class FailureKind(StrEnum):
    MALFORMED = "malformed"  # the body could not be parsed
    INVALID = "invalid"  # parsed, but wrong types, missing or unknown fields, bad values
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    REJECTED = "rejected"  # a business rule refused it (insufficient funds, wrong state ...)
    CONFLICT = "conflict"  # retry later (a lock, an idempotency key in use)
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    message: str
    error: errors.VoucherEngineError | None = None
    retry_after: int | None = None  # seconds, for RATE_LIMITED and CONFLICT

    @property
    def code(self) -> str:
        return self.error.code if self.error is not None else self.kind.value


def failure_of(error: errors.VoucherEngineError) -> Failure:
    """Classify an engine error; providers then choose status and shape."""
    kind = (
        FailureKind.UNAUTHORIZED if isinstance(error, errors.Unauthorized)
        else FailureKind.FORBIDDEN if isinstance(error, errors.Forbidden)
        else FailureKind.NOT_FOUND if isinstance(error, errors.NotFound)
        else FailureKind.INVALID if isinstance(error, errors.ValidationError | errors.IdempotencyKeyReused)
        else FailureKind.CONFLICT if error.retryable
        else FailureKind.REJECTED if isinstance(error, errors.Rejected)
        else FailureKind.UNAVAILABLE if isinstance(error, errors.StorageError)
        else FailureKind.INTERNAL
    )
    return Failure(kind, error.message, error, retry_after=1 if error.retryable else None)


#: The statuses of ``default_error_reply``; a provider whose partner documents others maps
#: kinds to its own.
DEFAULT_STATUS: dict[FailureKind, int] = {
    FailureKind.MALFORMED: 400,
    FailureKind.INVALID: 422,
    FailureKind.UNAUTHORIZED: 401,
    FailureKind.FORBIDDEN: 403,
    FailureKind.NOT_FOUND: 404,
    FailureKind.METHOD_NOT_ALLOWED: 405,
    FailureKind.TOO_LARGE: 413,
    FailureKind.RATE_LIMITED: 429,
    FailureKind.REJECTED: 409,
    FailureKind.CONFLICT: 409,
    FailureKind.UNAVAILABLE: 503,
    FailureKind.INTERNAL: 500,
}


def retry_headers(failure: Failure) -> dict[str, str]:
    return {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}


def default_error_reply(failure: Failure) -> Reply:
    """``{"code": ..., "message": ...}`` with the default status of its kind."""
    return Reply(
        body={"code": failure.code, "message": failure.message},
        status=DEFAULT_STATUS[failure.kind],
        headers=retry_headers(failure),
    )


@dataclass(frozen=True, slots=True)
class Provider:
    """One partner-facing API: its operations, and how it renders every error."""

    name: str  # short, URL-safe: the default mount prefix is "/{name}"
    title: str
    operations: tuple[Operation, ...]
    render_error: Callable[[Failure], Reply] = default_error_reply
    version: str = "1.0.0"
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.replace("-", "").replace("_", "").isalnum():
            raise errors.ValidationError(f"provider name {self.name!r} must be URL-safe")
        names = [op.name for op in self.operations]
        if len(names) != len(set(names)):
            raise errors.ValidationError(f"provider {self.name!r} has duplicate operation names")


@dataclass(frozen=True, slots=True)
class Fulfilment:
    """What the fulfil hook decides for a confirmed voucher."""

    code: str | None = None  # the final code, when it differs from the reserved one
    attributes: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"url": ...}


@dataclass(frozen=True, slots=True)
class Attachment:
    content: bytes
    media_type: str
    filename: str
