"""Counts an operator wants at a glance, as the engine reports them."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.datastructures import State
from litestar.params import Parameter

from voucher_engine import Engine
from voucher_engine.errors import TenantNotFound
from voucher_engine.identity.attempts import client_address
from voucher_engine_litestar.operators import bearer_principal, is_operator, require_tenant_reader


class PoolStats(msgspec.Struct):
    tenant: str
    pool: str
    size: int
    issued: int
    remaining: int


class Stats(msgspec.Struct):
    vouchers: dict[str, int]
    holds_pending: int
    pools: list[PoolStats]
    outbox: int


@get(
    "/stats",
    summary="Vouchers by state, pending holds, pools and outbox size",
    tags=["operations"],
    sync_to_thread=True,
)
def stats(
    request: Request[Any, Any, Any],
    state: State,
    tenant: Annotated[str | None, Parameter(description="Count only this tenant's objects")] = None,
) -> Stats:
    """The operator's (scope ``admin:tenants``) figures of every tenant or of one; a tenant's
    own with ``admin`` or ``admin:read``. See ``operators``."""
    engine: Engine = state.engine
    with client_address(request.client.host if request.client else None):
        principal = bearer_principal(engine, request)
    if is_operator(principal):
        # The engine counts zero for a tenant it does not know; an operator who mistyped one
        # should hear so instead of reading empty numbers.
        if tenant is not None and tenant not in engine.tenant_ids():
            raise TenantNotFound(f"no tenant {tenant!r}")
        return msgspec.convert(engine.stats(tenant), Stats)
    require_tenant_reader(principal)
    if tenant is not None and tenant != principal.tenant_id:
        # Another tenant, existing or not: the same answer, so a token learns nothing.
        raise TenantNotFound(f"no tenant {tenant!r}")
    return msgspec.convert(engine.stats(principal.tenant_id), Stats)
