"""Helpers for the Jackpot provider's tests: a partner (its HS256 API signature and the JWTs it
signs, through the test kit's ``PartnerSigner``), a catalog set up the way an operator would,
counts of every row a request could write. (Webhook receivers and real server processes come
from the test kit.)

A plain module with a unique name (not conftest.py), imported by that name.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

import voucher_engine_jackpot
from dbsupport import CHEAP_IDENTITY, database_of
from voucher_engine import Engine, EngineConfig, ManualClock, Offer, Store
from voucher_engine.clock import Clock
from voucher_engine.delivery import DeliverySettings
from voucher_engine.identity import Identity
from voucher_engine.plugins import PluginSettings
from voucher_engine.storage.delivery_tables import jobs
from voucher_engine.storage.session_tables import spending_sessions
from voucher_engine.storage.tables import idempotency_keys, ledger_entries, outbox, pool_issues, vouchers
from voucher_engine.testing import PartnerSigner

PARTNER = "shop-42"
SECRET = "jackpot-api-signature-of-shop-42-0123456789abcdef"
OTHER_PARTNER = "shop-77"
OTHER_SECRET = "jackpot-api-signature-of-shop-77-0123456789abcdef"
WEBHOOKS = DeliverySettings(allowed_networks=("127.0.0.1/32",), periodic_jobs={})


def open_jackpot_engine(url: str, clock: Clock | None = None) -> Engine:
    return Engine.open(
        url,
        clock=clock,
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(voucher_engine_jackpot,)),
    )


def set_up_tenant(engine: Engine, tenant: str = "acme") -> None:
    """The tenant, its two partners and its catalog:

    - store ``amazon``: ``amz-fixed`` (10, 25, 50 EUR at 5 % off) and ``amz-range`` (5 to 100
      EUR in steps of 5, no discount);
    - store ``zalando``: ``zal-fixed`` (20 and 40 EUR);
    each offer with its own pool of codes.
    """
    engine.create_tenant(tenant)
    identity = Identity(engine, CHEAP_IDENTITY)
    identity.partners.register_partner(tenant, PARTNER, SECRET, algorithm="HS256")
    identity.partners.register_partner(tenant, OTHER_PARTNER, OTHER_SECRET, algorithm="HS256")
    engine.put_store(Store("amazon", tenant, "Amazon", url="https://shop.example/amazon"))
    engine.put_store(Store("zalando", tenant, "Zalando", url="https://shop.example/zalando"))
    for offer, codes in [
        (
            Offer(
                "amz-fixed",
                tenant,
                "amazon",
                "Amazon gift card",
                "EUR",
                denominations=(1000, 2500, 5000),
                discount_bp=500,
                pool_id="amz-fixed",
            ),
            ["AMZ-0001-AAAA", "AMZ-0002-BBBB"],
        ),
        (
            Offer(
                "amz-range",
                tenant,
                "amazon",
                "Amazon any amount",
                "EUR",
                min_value=500,
                max_value=10000,
                step=500,
                pool_id="amz-range",
            ),
            ["AMR-0001-CCCC"],
        ),
        (
            Offer(
                "zal-fixed",
                tenant,
                "zalando",
                "Zalando gift card",
                "EUR",
                denominations=(2000, 4000),
                pool_id="zal-fixed",
            ),
            ["ZAL-0001-DDDD"],
        ),
    ]:
        engine.create_pool(tenant, offer.id)
        engine.add_codes(tenant, offer.id, codes)
        engine.put_offer(offer)


def sign(
    now: datetime,
    *,
    secret: str = SECRET,
    partner: str = PARTNER,
    tenant: str = "acme",
    lifetime: timedelta = timedelta(minutes=5),
    algorithm: str = "HS256",
    **claims: object,
) -> str:
    """A partner JWT as the partner's server signs it, issued at ``now``; ``claims`` add,
    replace or (``None``) remove claims."""
    signer = PartnerSigner(ManualClock(now), partner, secret, tenant=tenant, algorithm=algorithm, lifetime=lifetime)
    return signer.sign(**claims)


def session_jwt(now: datetime, amount: object = "50.00", **claims: object) -> str:
    base: dict[str, object] = {"amount": amount, "currency": "EUR", "customerReference": "customer-1001"}
    return sign(now, **{**base, **claims})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def written(engine: Engine) -> dict[str, int]:
    """Counts of every row a Jackpot request writes (besides a used partner jti)."""
    sums = {
        "reserved": func.coalesce(func.sum(spending_sessions.c.reserved), 0),
        "ended": func.count(spending_sessions.c.ended_at),
    }
    with database_of(engine).read() as conn:
        counts = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (spending_sessions, vouchers, ledger_entries, outbox, jobs, pool_issues, idempotency_keys)
        }
        counts.update({name: conn.execute(select(value)).scalar_one() for name, value in sums.items()})
        counts["not_reserved_state"] = conn.execute(
            select(func.count()).select_from(vouchers).where(vouchers.c.state != "reserved")
        ).scalar_one()
    return counts
