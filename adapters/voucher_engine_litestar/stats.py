"""Counts an operator wants at a glance, as the engine reports them."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get
from litestar.datastructures import State
from litestar.params import Parameter

from voucher_engine import Engine
from voucher_engine.errors import TenantNotFound


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


@get("/stats", summary="Vouchers by state, pending holds, pools and outbox size", tags=["operations"],
     sync_to_thread=True)
def stats(
    state: State,
    tenant: Annotated[str | None, Parameter(description="Count only this tenant's objects")] = None,
) -> Stats:
    engine: Engine = state.engine
    # The engine counts zero for a tenant it does not know; an operator who mistyped one
    # should hear so instead of reading empty numbers.
    if tenant is not None and tenant not in engine.tenant_ids():
        raise TenantNotFound(f"no tenant {tenant!r}")
    return msgspec.convert(engine.stats(tenant), Stats)
