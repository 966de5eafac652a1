"""Request bodies and query strings, decoded into an operation's msgspec types.

The adapter decodes them itself, not through Litestar's signature model, so that a field that
breaks a rule reaches the provider's renderer with its path (``Failure.fields``), so that an
operation may accept several encodings chosen by Content-Type, and so that multipart parts
arrive as ``Upload`` values. Decoders are lax (``strict=False``) like Litestar's: "5" fills
an int field of a form, where every value is a string anyway.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile

from voucher_engine.providers import BodyEncoding, Failure, FailureKind, Operation, Upload

_SEQUENCES = (msgspec.inspect.ListType, msgspec.inspect.SetType, msgspec.inspect.FrozenSetType,
              msgspec.inspect.VarTupleType)

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


def malformed(message: str) -> Refused:
    return Refused(Failure(FailureKind.MALFORMED, message))


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
    return msgspec.convert(_fold(pairs, _sequence_fields(op.query)), op.query, strict=False)


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
    accepted = ", ".join(m for m, e in _MEDIA_TYPES.items() if e in encodings)
    raise malformed(f"a body of type {media!r} is not accepted here; send {accepted}")


async def body_of(op: Operation, request: Request[Any, Any, Any]) -> Any:
    """The decoded body: the operation's type, or bytes for "raw"; None when it takes none.

    Raises ``Refused`` (MALFORMED), ``msgspec.ValidationError`` (INVALID) or Litestar's 413."""
    encoding = encoding_of(op, request.headers.get("content-type", ""))
    if encoding == "raw":
        return await request.body()  # bounded by the operation's max_body_bytes: 413 beyond it
    body = op.body
    if body is None:
        return None
    raw = await request.body()
    if encoding == "json":
        try:
            return msgspec.json.decode(raw, type=body, strict=False)
        except msgspec.ValidationError:
            raise
        except msgspec.DecodeError as error:
            raise malformed(f"the body is not valid JSON: {error}") from None
    if encoding == "form":
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except (UnicodeDecodeError, ValueError) as error:
            raise malformed(f"the body is not a valid form: {error}") from None
        return msgspec.convert(_fold(pairs, _sequence_fields(body)), body, strict=False)
    return msgspec.convert(await _multipart(request, body), body, strict=False)


async def _multipart(request: Request[Any, Any, Any], body: type) -> dict[str, Any]:
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != "multipart/form-data":
        raise malformed("the body must be multipart/form-data")
    form = await request.form()
    pairs: list[tuple[str, Any]] = []
    for key in form:
        for item in form.getall(key):
            value = item
            if isinstance(item, UploadFile):
                value = Upload(item.filename or "", item.content_type or "application/octet-stream",
                               await item.read())
            pairs.append((key, value))
    return _fold(pairs, _sequence_fields(body))
