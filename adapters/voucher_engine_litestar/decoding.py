"""Request bodies and query strings, decoded into an operation's msgspec types.

The adapter decodes them itself, not through Litestar's signature model, so that a field that
breaks a rule reaches the provider's renderer with its path (``Failure.fields``), so that an
operation may accept several encodings chosen by Content-Type, and so that multipart parts
arrive as ``Upload`` values. Forms, multipart bodies and query strings are decoded laxly
(``strict=False``): "5" fills an int field there, where every value is a string anyway. JSON
is decoded strictly, since it has types of its own: a number is no instant (``starts_at: 0``
is refused, not read as 1970) and ``"5"`` is no integer.

What the database would refuse is refused here, before any handler runs, with the field named
(``screening``): a NUL character or a lone surrogate in any string (PostgreSQL cannot store
either), an integer beyond 64 bits, JSON nested deeper than ``MAX_JSON_DEPTH`` (msgspec
recurses, and a few KB of brackets would exhaust the stack). A body whose Content-Type is not
one of the operation's encodings is refused too, rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException

from voucher_engine.errors import FieldError
from voucher_engine.providers import BodyEncoding, Failure, FailureKind, Operation, Upload
from voucher_engine.screening import MAX_JSON_DEPTH, json_depth_exceeds, screen, screen_text

_SEQUENCES = (
    msgspec.inspect.ListType,
    msgspec.inspect.SetType,
    msgspec.inspect.FrozenSetType,
    msgspec.inspect.VarTupleType,
)

_MEDIA_TYPES: dict[str, BodyEncoding] = {
    "application/json": "json",
    "application/x-www-form-urlencoded": "form",
    "multipart/form-data": "multipart",
}


class Refused(Exception):
    """A request refused before its handler ran, with the failure the provider renders."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def malformed(message: str, *fields: FieldError) -> Refused:
    return Refused(Failure(FailureKind.MALFORMED, message, fields=fields))


def invalid(problem: FieldError) -> Refused:
    return Refused(Failure(FailureKind.INVALID, f"{problem.message} - at `{problem.field}`", fields=(problem,)))


def _screened(value: Any, where: str = "") -> Any:
    problem = screen(value, where)
    if problem is not None:
        raise invalid(problem)
    return value


def path_of(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The path parameters, as strings, each screened like a body's fields."""
    path = {k: str(v) for k, v in request.path_params.items()}
    for name, value in path.items():
        problem = screen_text(value, name)
        if problem is not None:
            raise invalid(problem)
    return path


def _sequence_fields(struct: type | None) -> frozenset[str]:
    """The wire names of the fields that take several values (``?tag=a&tag=b``)."""
    if struct is None:
        return frozenset()
    info = msgspec.inspect.type_info(struct)
    if not isinstance(info, msgspec.inspect.StructType):
        return frozenset()

    def is_sequence(t: msgspec.inspect.Type) -> bool:
        if isinstance(t, msgspec.inspect.UnionType):
            return any(is_sequence(x) for x in t.types)
        return isinstance(t, _SEQUENCES)

    return frozenset(f.encode_name for f in info.fields if is_sequence(f.type))


def _fold(pairs: list[tuple[str, Any]], many: frozenset[str]) -> dict[str, Any]:
    folded: dict[str, Any] = {}
    for key, value in pairs:
        if key in many:
            folded.setdefault(key, []).append(value)
        else:
            folded[key] = value  # the last one, as a form post of one field repeated means
    return folded


def query_of(op: Operation, request: Request[Any, Any, Any]) -> Any:
    if op.query is None:
        return None
    pairs = [(k, v) for k in request.query_params for v in request.query_params.getall(k)]
    # Screened once converted: "1e30" and "nan" become numbers only then.
    return _screened(msgspec.convert(_fold(pairs, _sequence_fields(op.query)), op.query, strict=False))


def encoding_of(op: Operation, content_type: str) -> BodyEncoding:
    """Which of the operation's encodings the request uses."""
    encodings = op.encodings
    if len(encodings) == 1:
        return encodings[0]  # one encoding: decoded as such whatever the header says, as before
    media = content_type.partition(";")[0].strip().lower()
    if not media:
        return encodings[0]
    chosen = _MEDIA_TYPES.get(media, "json" if media.endswith("+json") else None)
    if chosen in encodings:
        return chosen
    if "raw" in encodings:
        return "raw"
    raise _wrong_media_type(media, encodings)


def _wrong_media_type(media: str, encodings: tuple[BodyEncoding, ...]) -> Refused:
    accepted = ", ".join(m for m, e in _MEDIA_TYPES.items() if e in encodings)
    message = f"a body of type {media!r} is not accepted here; send {accepted}"
    return malformed(message, FieldError("Content-Type", "media_type", message))


def _check_media_type(encoding: BodyEncoding, content_type: str) -> None:
    """A body sent with a Content-Type that is not its encoding's is refused: a JSON body
    labelled text/plain may be a form that a browser posted across origins without a
    preflight. No Content-Type at all is taken as the operation's encoding, as ever."""
    media = content_type.partition(";")[0].strip().lower()
    if not media or encoding == "raw":
        return
    sent = _MEDIA_TYPES.get(media, "json" if media.endswith("+json") else None)
    if sent != encoding:
        raise _wrong_media_type(media, (encoding,))


async def body_of(op: Operation, request: Request[Any, Any, Any]) -> Any:
    """The decoded body: the operation's type, or bytes for "raw"; None when it takes none.

    Raises ``Refused`` (MALFORMED), ``msgspec.ValidationError`` (INVALID) or Litestar's 413."""
    content_type = request.headers.get("content-type", "")
    encoding = encoding_of(op, content_type)
    if encoding != "raw" and op.body is None:
        return None
    _check_media_type(encoding, content_type)
    if encoding == "multipart":
        assert op.body is not None
        return _screened(msgspec.convert(await _multipart(request, op.body), op.body, strict=False))
    return decoded(op, encoding, await request.body())  # bounded by max_body_bytes: 413 beyond


def decoded(op: Operation, encoding: BodyEncoding, raw: bytes) -> Any:
    """A body read whole (JSON, a form, or raw bytes), decoded into the operation's type."""
    if encoding == "raw":
        return raw
    body = op.body
    assert body is not None  # no body of another encoding is read for an operation taking none
    if encoding == "json":
        if json_depth_exceeds(raw, MAX_JSON_DEPTH):
            raise malformed(f"the body is nested more than {MAX_JSON_DEPTH} levels deep")
        try:
            return _screened(msgspec.json.decode(raw, type=body, strict=True))
        except msgspec.ValidationError:
            raise
        except msgspec.DecodeError as error:
            raise malformed(f"the body is not valid JSON: {error}") from None
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as error:
        raise malformed(f"the body is not a valid form: {error}") from None
    return _screened(msgspec.convert(_fold(pairs, _sequence_fields(body)), body, strict=False))


#: The largest body (by its Content-Length) read before authentication (``early_body``): a
#: few TCP segments, which have usually arrived with the headers. Every request of the
#: shipped providers but file uploads and imports is smaller.
EARLY_BODY_BYTES = 16 * 1024


@dataclass(slots=True)
class EarlyBody:
    """A body read before authentication and not looked at yet: ``decode()`` decodes it (once),
    or raises what reading it raised, where the body would have been read and decoded."""

    op: Operation
    encoding: BodyEncoding | None  # None: the operation takes no body of this request's type
    raw: bytes = b""
    refusal: Exception | None = None
    _decoded: list[Any] = field(default_factory=list)

    def decode(self) -> Any:
        if self.refusal is not None:
            raise self.refusal
        if not self._decoded:
            self._decoded.append(None if self.encoding is None else decoded(self.op, self.encoding, self.raw))
        return self._decoded[0]


async def early_body(op: Operation, request: Request[Any, Any, Any]) -> EarlyBody | None:
    """The request's body, read now so that authentication, decoding and the handler can run
    in one trip to a worker thread; None where reading it early could change what a client
    sees or what it costs us: no Content-Length or one over ``EARLY_BODY_BYTES`` (a caller
    without credentials is not made to upload a large body), ``Expect: 100-continue`` (the
    client waits to be asked for the body), multipart (parsed as it streams in). Nothing of
    the body is looked at here, and what reading it refused (a wrong Content-Type, 413) is
    raised by ``decode()``: a request without valid credentials is still answered 401."""
    headers = request.headers
    length = headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > EARLY_BODY_BYTES or "expect" in headers:
        return None
    content_type = headers.get("content-type", "")
    try:
        encoding = encoding_of(op, content_type)
        if encoding == "multipart":
            return None
        if encoding != "raw" and op.body is None:
            return EarlyBody(op, None)
        _check_media_type(encoding, content_type)
        return EarlyBody(op, encoding, await request.body())
    except (Refused, HTTPException) as refusal:
        return EarlyBody(op, None, refusal=refusal)


async def _multipart(request: Request[Any, Any, Any], body: type) -> dict[str, Any]:
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != "multipart/form-data":
        raise malformed("the body must be multipart/form-data")
    form = await request.form()
    pairs: list[tuple[str, Any]] = []
    for key in form:
        for value in form.getall(key):
            if isinstance(value, UploadFile):
                upload = Upload(
                    value.filename or "", value.content_type or "application/octet-stream", await value.read()
                )
                pairs.append((key, upload))
            else:
                pairs.append((key, value))
    return _fold(pairs, _sequence_fields(body))
