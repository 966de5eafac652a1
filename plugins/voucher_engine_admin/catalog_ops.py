"""Campaigns, stores and offers: put (create or replace), get, list."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from voucher_engine import Campaign, Offer, Store
from voucher_engine.plugin import Call
from voucher_engine_admin.wire import (
    MAX_LIST,
    Amount,
    Currency,
    Id,
    Instant,
    Label,
    Name,
    Wire,
    instant,
    minor,
    shown,
)


class CampaignIn(Wire):
    name: Name
    pool_id: Id | None = None
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    trigger_categories: Annotated[list[Label], msgspec.Meta(max_length=MAX_LIST)] = []  # noqa: RUF012 - msgspec copies an empty default per instance
    distributors: Annotated[list[Id], msgspec.Meta(max_length=MAX_LIST)] = []  # noqa: RUF012 - msgspec copies an empty default per instance
    priority: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)] = 0
    cap: Annotated[int, msgspec.Meta(ge=0)] | None = None
    template: dict[str, Any] | None = None


class StoreIn(Wire):
    name: Name
    url: Annotated[str, msgspec.Meta(max_length=2048, pattern=r"^https?://")] | None = None
    active: bool = True


class OfferIn(Wire):
    store_id: Id
    name: Name
    currency: Currency
    #: Fixed face values ("10.00") -- or a range: min_value, max_value and step.
    denominations: Annotated[list[Amount], msgspec.Meta(max_length=MAX_LIST)] = []  # noqa: RUF012 - msgspec copies an empty default per instance
    min_value: Amount | None = None
    max_value: Amount | None = None
    step: Amount | None = None
    discount_bp: Annotated[int, msgspec.Meta(ge=0, le=9_999)] = 0
    pool_id: Id | None = None
    active: bool = True


def _campaign(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "pool_id": c.pool_id,
        "starts_at": instant(c.window.start),
        "ends_at": instant(c.window.end),
        "trigger_categories": sorted(c.trigger_categories),
        "distributors": sorted(c.distributors),
        "priority": c.priority,
        "cap": c.cap,
        "issued": c.issued,
        "template": c.template,
    }


def _store(s: Store) -> dict[str, Any]:
    return {"id": s.id, "name": s.name, "url": s.url, "active": s.active}


def _offer(o: Offer) -> dict[str, Any]:
    return {
        "id": o.id,
        "store_id": o.store_id,
        "name": o.name,
        "currency": o.currency,
        "denominations": [shown(d, o.currency) for d in o.denominations],
        "min_value": shown(o.min_value, o.currency),
        "max_value": shown(o.max_value, o.currency),
        "step": shown(o.step, o.currency) if o.min_value is not None else None,
        "discount_bp": o.discount_bp,
        "pool_id": o.pool_id,
        "active": o.active,
    }


def put_campaign(call: Call) -> dict[str, Any]:
    body: CampaignIn = call.body
    campaign = call.engine.put_campaign(
        call.principal.tenant_id,
        call.path["campaign_id"],
        name=body.name,
        pool_id=body.pool_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        trigger_categories=body.trigger_categories,
        distributors=body.distributors,
        priority=body.priority,
        cap=body.cap,
        template=body.template,
    )
    return _campaign(campaign)


def get_campaign(call: Call) -> dict[str, Any]:
    return _campaign(call.engine.get_campaign(call.principal.tenant_id, call.path["campaign_id"]))


def list_campaigns(call: Call) -> list[dict[str, Any]]:
    return [_campaign(c) for c in call.engine.list_campaigns(call.principal.tenant_id)]


def put_store(call: Call) -> dict[str, Any]:
    body: StoreIn = call.body
    store = Store(call.path["store_id"], call.principal.tenant_id, body.name, body.url, body.active)
    return _store(call.engine.put_store(store))


def get_store(call: Call) -> dict[str, Any]:
    return _store(call.engine.get_store(call.principal.tenant_id, call.path["store_id"]))


def list_stores(call: Call) -> list[dict[str, Any]]:
    return [_store(s) for s in call.engine.list_stores(call.principal.tenant_id, active_only=False)]


def put_offer(call: Call) -> dict[str, Any]:
    body: OfferIn = call.body

    def money(amount: str | None) -> int | None:
        return minor(amount, body.currency) if amount is not None else None

    offer = Offer(
        id=call.path["offer_id"],
        tenant_id=call.principal.tenant_id,
        store_id=body.store_id,
        name=body.name,
        currency=body.currency,
        denominations=tuple(minor(d, body.currency) for d in body.denominations),
        min_value=money(body.min_value),
        max_value=money(body.max_value),
        step=1 if body.step is None else minor(body.step, body.currency),  # "0.00" is refused, not 1
        discount_bp=body.discount_bp,
        pool_id=body.pool_id,
        active=body.active,
    )
    return _offer(call.engine.put_offer(offer))


def get_offer(call: Call) -> dict[str, Any]:
    return _offer(call.engine.get_offer(call.principal.tenant_id, call.path["offer_id"]))


def list_offers(call: Call) -> list[dict[str, Any]]:
    return [_offer(o) for o in call.engine.list_offers(call.principal.tenant_id, active_only=False)]
