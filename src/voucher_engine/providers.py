"""A framework-neutral description of a provider's HTTP API.

A provider plugin fills these in; an adapter (``voucher_engine_litestar``) mounts them. Nothing
here imports a web framework: the same provider could be mounted by another adapter.

A handler receives a ``Call`` (the engine, the authenticated principal, the decoded path,
query and body) and returns a ``Reply`` or just a body (a msgspec Struct, dict or list, sent
as JSON with the operation's status). Every failure, including a malformed body or a failed
validation that the adapter detects before the handler runs, reaches the provider's
``render_error`` as a ``Failure``, so each provider answers in its own documented shape.
A failure carries the fields that broke a rule (``Failure.fields``), whether the decoder found
them or a handler raised ``errors.ValidationError(fields=...)``.

Provider authors import all of this from ``voucher_engine.plugin``; docs/provider-model.md is
the reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol

import msgspec

from voucher_engine import errors
from voucher_engine.errors import FieldError

if TYPE_CHECKING:
    from voucher_engine.engine import Engine

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
AuthKind = Literal["bearer", "basic", "header", "body"]
BodyEncoding = Literal["json", "form", "multipart", "raw"]


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the adapter found in the request for an operation's auth scheme."""

    scheme: str  # "bearer", "basic", "header", "body"
    token: str | None = None  # bearer token or custom header value
    username: str | None = None  # Basic
    password: str | None = None  # Basic
    headers: Mapping[str, str] = field(default_factory=dict)  # all request headers, lower-case
    body: Any = None  # kind "body": the decoded request body (the operation's ``body`` type)


@dataclass(frozen=True, slots=True)
class AuthScheme:
    """How an operation authenticates. ``authenticate`` returns the principal the handler
    gets, or raises ``errors.Unauthorized`` / ``errors.Forbidden``.

    ``kind`` says where the credentials are: an ``Authorization: Bearer`` or ``Basic`` header,
    the custom ``header``, or the decoded request ``body`` (a token endpoint whose client id and
    secret come in the form). A scheme's credentials are *present* when that header is there
    (for "body": when the request has a body); an operation with several schemes uses the first
    one present. ``required_headers`` must all be there too, else the request is unauthorised
    (a hostname header that goes with privileged credentials).
    """

    kind: AuthKind
    authenticate: Callable[[Engine, Credentials], Any]
    header: str = "Authorization"  # the header for kind="header"
    description: str = ""
    required_headers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``requests`` per ``per_seconds`` for each client of one operation (a client is
    its credential header when it sends one, else its address), on top of any app-wide limit.
    Counted in each server process's memory."""

    requests: int
    per_seconds: int

    def __post_init__(self) -> None:
        if self.requests < 1 or self.per_seconds < 1:
            raise errors.ValidationError("a rate limit allows at least 1 request per 1 second or more")


class Upload(msgspec.Struct, frozen=True):
    """A file part of a multipart/form-data body: give a field of the operation's body type
    this type to receive it."""

    filename: str
    content_type: str
    content: bytes


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
    #: "json", "form" (urlencoded), "multipart" (form-data; file parts as ``Upload``) or
    #: "raw": the body is not decoded; the handler gets its bytes as ``call.body`` (still
    #: bounded by ``max_body_bytes``) and reads ``call.headers["content-type"]`` itself. A tuple
    #: accepts any of them, chosen by the request's Content-Type (the first when it sends none).
    body_encoding: BodyEncoding | tuple[BodyEncoding, ...] = "json"
    query: type | None = None  # a msgspec Struct of query parameters
    response: type | None = None  # for OpenAPI
    #: The status of a success; 204 answers with no body whatever the handler returns.
    status: int = 200
    #: One scheme, or several of which any one will do (the first whose credentials are present).
    auth: AuthScheme | tuple[AuthScheme, ...] | None = None
    summary: str = ""
    description: str = ""
    max_body_bytes: int = 64 * 1024
    #: This operation's own error shape, for every failure on it (auth, body limit, rate
    #: limit, decoding and the handler's): an OAuth token endpoint inside another API.
    render_error: Callable[[Failure], Reply] | None = None
    #: The msgspec Struct of ``render_error``'s body, for OpenAPI (default: the provider's).
    error_type: type | None = None
    rate_limit: RateLimit | None = None
    #: More statuses than the success and the failures: ``{302: None}``, ``{200: Other}``.
    responses: Mapping[int, type | None] = field(default_factory=dict)

    @property
    def schemes(self) -> tuple[AuthScheme, ...]:
        return () if self.auth is None else self.auth if isinstance(self.auth, tuple) else (self.auth,)

    @property
    def encodings(self) -> tuple[BodyEncoding, ...]:
        return self.body_encoding if isinstance(self.body_encoding, tuple) else (self.body_encoding,)


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
    #: Which fields broke which rule (INVALID), from the decoder or the handler.
    fields: tuple[FieldError, ...] = ()

    @property
    def code(self) -> str:
        return self.error.code if self.error is not None else self.kind.value


# msgspec's messages: "Expected `str`, got `int` - at `$.amount`", "Object missing required
# field `amount`", "Expected `str` matching regex '...'", "Expected `int` >= 1" ...
_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), rule)
    for p, rule in (
        (r"^Object missing required field `(?P<name>[^`]+)`", "required"),
        (r"^Object contains unknown field `(?P<name>[^`]+)`", "unknown"),
        (r"matching regex", "pattern"),
        (r"of length >= ", "min_length"),
        (r"of length <= ", "max_length"),
        (r" >= | > ", "minimum"),
        (r" <= | < ", "maximum"),
        (r"^Invalid enum value", "enum"),
        (r"^Expected `[^`]+`, got `[^`]+`", "type"),
    )
)


def field_errors_of(error: msgspec.ValidationError) -> tuple[FieldError, ...]:
    """The field a msgspec validation error names, as a ``FieldError`` (msgspec stops at the
    first error, so there is one). The path is the client's spelling: ``items[0].code``."""
    text = str(error)
    found = _AT.match(text)
    what, path = (found.group("what"), found.group("path") or "") if found else (text, "")
    path = path.lstrip(".")
    rule = "invalid"
    for pattern, name in _RULES:
        hit = pattern.search(what)
        if hit:
            rule = name
            if "name" in pattern.groupindex:
                path = f"{path}.{hit.group('name')}" if path else hit.group("name")
            break
    return (FieldError(path or "$", rule, what),)


def invalid_input(error: msgspec.ValidationError) -> Failure:
    """A decoded body or query that does not fit its type: INVALID, with the field."""
    return Failure(FailureKind.INVALID, str(error), fields=field_errors_of(error))


def failure_of(error: errors.VoucherEngineError) -> Failure:
    """Classify an engine error; providers then choose status and shape."""
    kind = (
        FailureKind.RATE_LIMITED
        if isinstance(error, errors.TooManyAttempts)
        else FailureKind.UNAUTHORIZED
        if isinstance(error, errors.Unauthorized)
        else FailureKind.FORBIDDEN
        if isinstance(error, errors.Forbidden)
        else FailureKind.NOT_FOUND
        if isinstance(error, errors.NotFound)
        else FailureKind.INVALID
        if isinstance(error, errors.ValidationError | errors.IdempotencyKeyReused)
        else FailureKind.CONFLICT
        if error.retryable
        else FailureKind.REJECTED
        if isinstance(error, errors.Rejected)
        else FailureKind.UNAVAILABLE
        if isinstance(error, errors.StorageError)
        else FailureKind.INTERNAL
    )
    retry_after = error.retry_after if isinstance(error, errors.TooManyAttempts) else 1 if error.retryable else None
    # A storage error's text is the driver's (table names, hosts, users): never a client's to read.
    message = STORAGE_MESSAGE if kind is FailureKind.UNAVAILABLE else error.message
    return Failure(kind, message, error, retry_after=retry_after, fields=tuple(getattr(error, "fields", ())))


#: What a client reads about a storage error; the driver's own text goes to the logs only.
STORAGE_MESSAGE = "the database is unavailable; try again later"


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


class DefaultError(msgspec.Struct):
    """The body of ``default_error_reply``."""

    code: str
    message: str
    fields: list[dict[str, str]] | None = None  # {"field", "rule", "message"} for each


def default_error_reply(failure: Failure) -> Reply:
    """``{"code": ..., "message": ...}`` (and ``fields`` when known) with the default status
    of its kind."""
    body: dict[str, Any] = {"code": failure.code, "message": failure.message}
    if failure.fields:
        body["fields"] = [{"field": f.field, "rule": f.rule, "message": f.message} for f in failure.fields]
    return Reply(body=body, status=DEFAULT_STATUS[failure.kind], headers=retry_headers(failure))


@dataclass(frozen=True, slots=True)
class WebhookMessage:
    """A committed core event on its way to a webhook endpoint: ``type`` and ``data`` are what
    the receiver gets (the Standard Webhooks ``type`` and ``data``). ``Provider.webhooks`` gets
    the core's message and returns the partner's (or None: that endpoint gets nothing).

    The rest says which event it is; ``engine`` reads what the event does not carry (a provider
    maps an event to the state its data names, not to whatever the subject is by now)."""

    type: str
    data: Mapping[str, Any]
    event_id: str = ""
    tenant_id: str = ""
    subject_id: str = ""
    created_at: datetime | None = None
    engine: Engine | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Provider:
    """One partner-facing API: its operations, and how it renders every error."""

    name: str  # short, URL-safe: the default mount prefix is "/{name}"
    title: str
    operations: tuple[Operation, ...]
    render_error: Callable[[Failure], Reply] = default_error_reply
    version: str = "1.0.0"
    description: str = ""
    #: The msgspec Struct of ``render_error``'s body, documented for every failure status
    #: (None: ``DefaultError`` with the default renderer, else an undocumented body).
    error_type: type | None = None
    #: Webhooks in the partner's shape, for endpoints registered for this provider.
    webhooks: Callable[[WebhookMessage], WebhookMessage | None] | None = None

    def __post_init__(self) -> None:
        if not self.name.replace("-", "").replace("_", "").isalnum():
            raise errors.ValidationError(f"provider name {self.name!r} must be URL-safe")
        names = [op.name for op in self.operations]
        if len(names) != len(set(names)):
            raise errors.ValidationError(f"provider {self.name!r} has duplicate operation names")


class Register(Protocol):
    """What ``voucher_engine_register_providers`` is given: call it once per provider."""

    def __call__(self, provider: Provider, /) -> None: ...


class RegisterJobHandler(Protocol):
    """What ``voucher_engine_register_job_handlers`` is given: call it once per job kind."""

    def __call__(self, kind: str, handler: Callable[[Engine, Any], object], /) -> None: ...


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
