"""OpenAPI per provider at ``/providers/{name}/openapi.json``: exactly the API a partner
integrates with, built from the provider's description (``openapi_model``)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

from voucher_engine_litestar.openapi_model import provider_document


@get("/providers/{name:str}/openapi.json", include_in_schema=False, sync_to_thread=False)
def provider_openapi(request: Request[Any, Any, Any], name: Annotated[str, PathParameter()]) -> dict[str, Any]:
    mounts = [m for m in request.app.state.mounts if m.provider.name == name]
    if not mounts:
        raise NotFoundException(f"no provider {name!r}")
    return provider_document(mounts[0].provider, mounts)
