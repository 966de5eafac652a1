"""Checks, inside a command's transaction, that the objects a write refers to are the
tenant's own.

A stored reference to a missing object -- or to another tenant's, which a tenant must not be
able to tell apart from a missing one -- would be followed later by every read that trusts
it. So a command that stores one first looks it up in the writer's tenant and answers
"not found" as any lookup does, whoever the provider in front of it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Table, select

from voucher_engine.errors import CampaignNotFound, NotFound, OfferNotFound, PoolNotFound, StoreNotFound
from voucher_engine.storage.tables import campaigns, offers, pools, stores


def _require(
    conn: Connection, table: Table, tenant_id: str, ids: Iterable[str], *, error: type[NotFound], what: str
) -> None:
    wanted = sorted(set(ids))
    if not wanted:
        return
    found = set(
        conn.execute(select(table.c.id).where(table.c.tenant_id == tenant_id, table.c.id.in_(wanted))).scalars()
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise error(f"no {what} {missing[0]!r}")


def require_pool(conn: Connection, tenant_id: str, pool_id: str | None) -> None:
    _require(conn, pools, tenant_id, [pool_id] if pool_id is not None else [], error=PoolNotFound, what="pool")


def require_voucher_references(
    conn: Connection,
    tenant_id: str,
    *,
    campaign_id: str | None,
    offer_id: str | None,
    store_ids: Iterable[str],
) -> None:
    """A voucher's campaign, offer and the stores it is redeemable at."""
    _require(
        conn,
        campaigns,
        tenant_id,
        [campaign_id] if campaign_id is not None else [],
        error=CampaignNotFound,
        what="campaign",
    )
    _require(conn, offers, tenant_id, [offer_id] if offer_id is not None else [], error=OfferNotFound, what="offer")
    _require(conn, stores, tenant_id, store_ids, error=StoreNotFound, what="store")
