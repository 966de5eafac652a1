"""A provider's OpenAPI document, built from its description rather than from Litestar's.

It tells what the adapter will really do: the request body in each accepted encoding, the
success status (204 with no content), every failure status the provider's renderer gives for
the failures the operation can meet, each with the provider's error schema
(``Provider.error_type``, or the operation's ``error_type``), and only this provider's schemas
and security schemes. The statuses are found by asking the renderer itself, so a provider that
maps kinds to its own statuses is documented with those.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar.openapi.spec import SecurityScheme

from voucher_engine.providers import (
    DefaultError,
    Failure,
    FailureKind,
    Operation,
    Provider,
    Upload,
    default_error_reply,
)
from voucher_engine_litestar.routers import (
    NO_BODY,
    Mount,
    full_path,
    operation_id,
    renderer_of,
    required_header_scheme_name,
    security_requirements,
    security_scheme_name,
)

REF = "#/components/schemas/{name}"
_PARAMETER = re.compile(r"\{([^}:]+)(?::([^}]*))?\}")
_PATH_TYPES = {"int": {"type": "integer"}, "float": {"type": "number"}, "uuid": {"type": "string", "format": "uuid"}}
_MEDIA = {"json": "application/json", "form": "application/x-www-form-urlencoded", "multipart": "multipart/form-data"}

#: Failures any operation can meet: its handler may raise any engine error, and wherever
#: credentials are checked (a scheme or a handler) too many failures are RATE_LIMITED.
_ALWAYS = (
    FailureKind.INVALID,
    FailureKind.UNAUTHORIZED,
    FailureKind.FORBIDDEN,
    FailureKind.NOT_FOUND,
    FailureKind.REJECTED,
    FailureKind.CONFLICT,
    FailureKind.UNAVAILABLE,
    FailureKind.INTERNAL,
    FailureKind.RATE_LIMITED,
)


def failure_kinds(op: Operation) -> list[FailureKind]:
    kinds = list(_ALWAYS)
    if op.body is not None or "raw" in op.encodings:
        kinds += [FailureKind.MALFORMED, FailureKind.TOO_LARGE]
    return kinds


def _failure_statuses(provider: Provider, op: Operation, kinds: list[FailureKind]) -> dict[int, str]:
    """status -> media type of the rendered error, as the renderer answers each kind."""
    render = renderer_of(provider, op)
    found: dict[int, str] = {}
    for kind in kinds:
        reply = render(Failure(kind, kind.value, retry_after=1 if kind is FailureKind.RATE_LIMITED else None))
        found.setdefault(reply.status or 500, reply.media_type)
    return found


def provider_document(
    provider: Provider,
    mounts: list[Mount],
    *,
    title: str | None = None,
) -> dict[str, Any]:
    types: list[Any] = []
    paths: dict[str, dict[str, Any]] = {}
    pending: list[tuple[dict[str, Any], list[tuple[Any, Any]]]] = []  # (target, [(type, slot)])

    def schema_of(t: Any) -> dict[str, Any]:
        slot: dict[str, Any] = {}
        types.append(t)
        pending.append((slot, t))
        return slot

    for mount in mounts:
        for op in provider.operations:
            path = _PARAMETER.sub(lambda m: "{" + m.group(1) + "}", full_path(mount, op))
            paths.setdefault(path, {})[op.method.lower()] = _operation(provider, mount, op, schema_of)

    # One pass of msgspec over every type, so shared Structs become one component each.
    schemas, components = msgspec.json.schema_components(types, ref_template=REF) if types else ((), {})
    for (slot, _), schema in zip(pending, schemas, strict=True):
        slot.update(schema)
    if "Upload" in components and _is_upload(components["Upload"]):
        components["Upload"] = {"type": "string", "format": "binary", "description": "A file part"}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title or provider.title,
            "version": provider.version,
            **({"description": provider.description} if provider.description else {}),
        },
        "paths": paths,
        "components": {"schemas": components},
    }
    security = provider_security_schemes(provider)
    if security:
        document["components"]["securitySchemes"] = {name: s.to_schema() for name, s in security.items()}
    return document


def _is_upload(schema: dict[str, Any]) -> bool:
    return set(schema.get("properties", {})) == {f.encode_name for f in msgspec.structs.fields(Upload)}


def _operation(provider: Provider, mount: Mount, op: Operation, schema_of: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"operationId": operation_id(mount, op), "tags": [provider.title]}
    if op.summary:
        doc["summary"] = op.summary
    if op.description:
        doc["description"] = op.description
    parameters = [
        {
            "name": m.group(1),
            "in": "path",
            "required": True,
            "schema": _PATH_TYPES.get(m.group(2) or "str", {"type": "string"}),
        }
        for m in _PARAMETER.finditer(op.path)
    ]
    if op.query is not None:
        for f in msgspec.structs.fields(op.query):
            parameters.append(
                {"name": f.encode_name, "in": "query", "required": f.required, "schema": schema_of(f.type)}
            )
    if parameters:
        doc["parameters"] = parameters
    content: dict[str, Any] = {}
    for encoding in op.encodings:
        if encoding == "raw":
            content["application/octet-stream"] = {"schema": {"type": "string", "format": "binary"}}
        elif op.body is not None:
            content[_MEDIA[encoding]] = {"schema": schema_of(op.body)}
    if content:
        doc["requestBody"] = {"required": True, "content": content}
    responses: dict[str, Any] = {}
    if op.status in NO_BODY:
        responses[str(op.status)] = {"description": "No Content"}
    elif op.response is not None:
        responses[str(op.status)] = {
            "description": "OK",
            "content": {"application/json": {"schema": schema_of(op.response)}},
        }
    else:
        responses[str(op.status)] = {"description": "OK"}
    for status, extra in op.responses.items():
        responses[str(status)] = (
            {"description": "See the operation's description"}
            if extra is None or status in NO_BODY
            else {"description": "OK", "content": {"application/json": {"schema": schema_of(extra)}}}
        )
    renderer = renderer_of(provider, op)
    error_type = (
        op.error_type
        or (provider.error_type if op.render_error is None else None)
        or (DefaultError if renderer is default_error_reply else None)
    )
    for status, media_type in sorted(_failure_statuses(provider, op, failure_kinds(op)).items()):
        if str(status) in responses:
            continue
        entry: dict[str, Any] = {"description": "An error, in the provider's shape"}
        if status not in NO_BODY:
            entry["content"] = {media_type: {"schema": schema_of(error_type) if error_type is not None else {}}}
        responses[str(status)] = entry
    doc["responses"] = responses
    security = security_requirements(provider, op)
    if security is not None:
        doc["security"] = security
    return doc


def provider_security_schemes(provider: Provider) -> dict[str, SecurityScheme]:
    """The OpenAPI security schemes of one provider's operations (a "body" scheme has none:
    its credentials are fields of the request body)."""
    schemes: dict[str, SecurityScheme] = {}
    for op in provider.operations:
        for auth in op.schemes:
            description = auth.description or None
            if auth.kind == "header":
                schemes[security_scheme_name(provider, auth)] = SecurityScheme(
                    type="apiKey", name=auth.header, security_scheme_in="header", description=description
                )
            elif auth.kind in ("bearer", "basic"):
                schemes[security_scheme_name(provider, auth)] = SecurityScheme(
                    type="http", scheme=auth.kind, description=description
                )
            for header in auth.required_headers:
                schemes.setdefault(
                    required_header_scheme_name(provider, header),
                    SecurityScheme(
                        type="apiKey",
                        name=header,
                        security_scheme_in="header",
                        description=f"Required with {auth.kind} credentials",
                    ),
                )
    return schemes
