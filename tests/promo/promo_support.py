"""Helpers for the promo provider's tests: the seed's request, a campaign set up the way an
operator would, counts of everything a request could write. (Real server processes come from
the test kit's ``ve_server``.)

A plain module with a unique name (not conftest.py), imported by that name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select

import voucher_engine_promo
from dbsupport import CHEAP_IDENTITY, database_of
from voucher_engine import Engine, EngineConfig, ManualClock
from voucher_engine.identity import Identity
from voucher_engine.plugins import PluginSettings
from voucher_engine.storage.tables import campaigns, idempotency_keys, outbox, pool_issues, pool_lanes

PATH = "/api/v1/voucher/request"

#: The body of the seed's sample cURL (its -d argument), byte for byte.
SEED_BODY = (
    b"{\n"
    b'    "distributor_id": "DIST-001",\n'
    b'    "terminal_id": "AT-998877",\n'
    b'    "trigger_category_id": "PAY",\n'
    b'    "trigger_product_id": "PaysafeCard"\n'
    b"  }"
)
#: The seed's "Request Body" example, comment included: not JSON, so a 400.
SEED_COMMENTED_BODY = (
    b"{\n"
    b'  "distributor_id": "DIST-001",\n'
    b'  "terminal_id": "AT-998877",\n'
    b'  "trigger_category_id": "PAY",\n'
    b'  "trigger_product_id": "PaySafeCard"  // optional\n'
    b"}"
)
#: The seed's sample response; with the clock at its issued_at and its code first in the pool,
#: the provider must answer exactly this.
SEED_RESPONSE = {
    "campaign_id": "CAMP-BETATHOME-001",
    "voucher_code": "BET-ABC-123456",
    "expiry_date": "2026-03-31T23:59:59Z",
    "issued_at": "2025-10-29T10:15:30Z",
}
SEED_NOW = datetime(2025, 10, 29, 10, 15, 30, tzinfo=UTC)
SEED_END = datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)


def open_promo_engine(url: str, clock: ManualClock | None = None) -> Engine:
    return Engine.open(
        url,
        clock=clock,
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(voucher_engine_promo,)),
    )


def add_campaign(
    engine: Engine,
    tenant: str,
    campaign_id: str,
    codes: Iterable[str],
    *,
    pool_id: str | None = None,
    categories: Iterable[str] = ("PAY",),
    distributors: Iterable[str] = ("DIST-001",),
    starts_at: datetime | None = None,
    ends_at: datetime | None = SEED_END,
    priority: int = 0,
    low_stock: int | None = None,
) -> str:
    """A pool holding ``codes`` and a campaign issuing from it; returns the pool id."""
    pool_id = pool_id or f"pool-{campaign_id}"
    engine.create_pool(tenant, pool_id, low_stock_threshold=low_stock)
    engine.add_codes(tenant, pool_id, list(codes))
    engine.put_campaign(
        tenant,
        campaign_id,
        name=campaign_id,
        pool_id=pool_id,
        starts_at=starts_at,
        ends_at=ends_at,
        trigger_categories=categories,
        distributors=distributors,
        priority=priority,
    )
    return pool_id


def new_distributor(engine: Engine, tenant: str, distributor_id: str) -> str:
    """Register a distributor; its bearer token."""
    return Identity(engine, CHEAP_IDENTITY).distributors.create_distributor(tenant, distributor_id)


def written(engine: Engine) -> dict[str, int]:
    """Counts of every row an issuance writes: a request that fails must leave them all."""
    with database_of(engine).read() as conn:
        return {
            "pool_issues": conn.execute(select(func.count()).select_from(pool_issues)).scalar_one(),
            "cursors": conn.execute(select(func.coalesce(func.sum(pool_lanes.c.cursor), 0))).scalar_one(),
            "campaign_issued": conn.execute(select(func.coalesce(func.sum(campaigns.c.issued), 0))).scalar_one(),
            "outbox": conn.execute(select(func.count()).select_from(outbox)).scalar_one(),
            "idempotency_keys": conn.execute(select(func.count()).select_from(idempotency_keys)).scalar_one(),
        }


def issued_attributes(engine: Engine, tenant: str) -> list[dict]:
    with database_of(engine).read() as conn:
        rows = conn.execute(
            select(pool_issues.c.code, pool_issues.c.campaign_id, pool_issues.c.attributes, pool_issues.c.issued_at)
            .where(pool_issues.c.tenant_id == tenant)
            .order_by(pool_issues.c.issued_at, pool_issues.c.code)
        ).all()
    return [
        {"code": r.code, "campaign": r.campaign_id, "attributes": r.attributes, "issued_at": r.issued_at} for r in rows
    ]


def bearer(token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def body(**fields: object) -> bytes:
    """A request body: the seed's fields, changed or removed (``None``) as given."""
    base: dict[str, object] = {
        "distributor_id": "DIST-001",
        "terminal_id": "AT-998877",
        "trigger_category_id": "PAY",
        "trigger_product_id": "PaysafeCard",
    }
    for name, value in fields.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return json.dumps(base).encode()
