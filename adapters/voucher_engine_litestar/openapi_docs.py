"""OpenAPI per provider: the app's document cut down to one provider's operations, so a
partner gets exactly the API they integrate with."""

from __future__ import annotations

from typing import Any

from typing import Annotated

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def provider_document(full: dict[str, Any], provider_name: str, title: str, version: str) -> dict[str, Any]:
    prefix = f"{provider_name}."
    paths: dict[str, Any] = {}
    for path, item in full.get("paths", {}).items():
        ops = {m: op for m, op in item.items() if m in _METHODS and op.get("operationId", "").startswith(prefix)}
        if ops:
            paths[path] = {**{k: v for k, v in item.items() if k not in _METHODS}, **ops}
    return {**full, "info": {**full.get("info", {}), "title": title, "version": version}, "paths": paths}


@get("/providers/{name:str}/openapi.json", include_in_schema=False, sync_to_thread=False)
def provider_openapi(request: Request, name: Annotated[str, PathParameter()]) -> dict[str, Any]:
    providers = {p.name: p for p in request.app.state.providers}
    if name not in providers:
        raise NotFoundException(f"no provider {name!r}")
    provider = providers[name]
    full = request.app.openapi_schema.to_schema()
    return provider_document(full, name, provider.title, provider.version)
