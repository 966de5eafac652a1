"""Vouchers for operators: issue one, look one up, its ledger and redemption history; and the
tenant's counts at a glance."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

from voucher_engine import Money, Voucher, VoucherKind, VoucherSpec, WindowSpec
from voucher_engine.plugin import Call, Reply, errors
from voucher_engine_admin.wire import MAX_LIST, Amount, Currency, Id, Instant, Wire, instant


class WindowIn(Wire):
    start: Instant | None = None
    end: Instant | None = None
    days_after_issue: Annotated[int, msgspec.Meta(ge=0, le=36_500)] | None = None
    end_of_day_in: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None


class VoucherIn(Wire):
    kind: Literal["monetary", "multi_use", "single_use"]
    #: Monetary vouchers: the value as a decimal string in ``currency``.
    value: Amount | None = None
    currency: Currency | None = None
    #: Multi-use vouchers: how many uses.
    uses: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] | None = None
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=255)] | None = None
    validity: Annotated[list[WindowIn], msgspec.Meta(max_length=10)] = []  # noqa: RUF012 - msgspec copies an empty default per instance
    redeemable_at: Annotated[list[Id], msgspec.Meta(max_length=MAX_LIST)] = []  # noqa: RUF012 - msgspec copies an empty default per instance
    pin: Annotated[str, msgspec.Meta(min_length=1, max_length=255)] | None = None
    taxable: bool = False
    tax_rate: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,3}(\.[0-9]{1,4})?$")] | None = None
    metadata: dict[str, Any] = {}  # noqa: RUF012 - msgspec copies an empty default per instance
    holder: Annotated[str, msgspec.Meta(min_length=1, max_length=255)] | None = None
    campaign_id: Id | None = None
    offer_id: Id | None = None


def _spec(body: VoucherIn) -> VoucherSpec:
    kind = VoucherKind(body.kind)
    if kind is VoucherKind.MONETARY:
        if body.value is None or body.currency is None or body.uses is not None:
            raise errors.ValidationError("a monetary voucher has a value and a currency, no uses")
        value: Money | int | None = Money.parse(body.value, body.currency)
    else:
        if body.value is not None:
            raise errors.ValidationError(f"a {kind.value} voucher counts uses: give uses, not a value")
        value = body.uses if kind is VoucherKind.MULTI_USE else None
    return VoucherSpec(
        kind,
        value,
        currency=body.currency,
        validity=tuple(WindowSpec(w.start, w.end, w.days_after_issue, w.end_of_day_in) for w in body.validity),
        redeemable_at=tuple(body.redeemable_at),
        pin=body.pin,
        taxable=body.taxable,
        tax_rate=Decimal(body.tax_rate) if body.tax_rate is not None else None,
        metadata=body.metadata,
    )


def _units(units: int, voucher: Voucher) -> str | int:
    if voucher.monetary:
        assert voucher.currency is not None  # a monetary voucher always has one
        return Money(units, voucher.currency).format()
    return units


def _voucher(v: Voucher) -> dict[str, Any]:
    return {
        "id": v.id,
        "code": v.code,
        "kind": v.kind.value,
        "state": v.state.value,
        "currency": v.currency,
        "initial": _units(v.initial, v),
        "available": _units(v.available, v),
        "held": _units(v.held, v),
        "validity": [w.to_json() for w in v.windows],
        "expires_at": instant(v.expires_at),
        "redeemable_at": list(v.redeemable_at),
        "taxable": v.taxable,
        "tax_rate": str(v.tax_rate) if v.tax_rate is not None else None,
        "metadata": v.metadata,
        "holder": v.holder,
        "campaign_id": v.campaign_id,
        "offer_id": v.offer_id,
        "has_pin": v.pin_hash is not None,
        "locked_until": instant(v.locked_until),
        "created_at": instant(v.created_at),
        "updated_at": instant(v.updated_at),
    }


def issue_voucher(call: Call) -> Reply:
    body: VoucherIn = call.body
    voucher = call.engine.issue(
        call.principal.tenant_id,
        _spec(body),
        code=body.code,
        holder=body.holder,
        campaign_id=body.campaign_id,
        offer_id=body.offer_id,
        idempotency_key=call.idempotency_key,
        scope=f"admin:{call.principal.client_id}",
    )
    return Reply(body=_voucher(voucher), status=201)


def get_voucher(call: Call) -> dict[str, Any]:
    return _voucher(call.engine.get_voucher(call.principal.tenant_id, code=call.path["code"]))


def voucher_ledger(call: Call) -> list[dict[str, Any]]:
    tenant, code = call.principal.tenant_id, call.path["code"]
    voucher = call.engine.get_voucher(tenant, code=code)
    return [
        {
            "seq": e.seq,
            "kind": e.kind.value,
            "available_delta": _units(e.available_delta, voucher),
            "held_delta": _units(e.held_delta, voucher),
            "spent": _units(e.spent, voucher),
            "at": instant(e.at),
            "reference": e.reference,
            "hold_id": e.hold_id,
            "store": e.store,
        }
        for e in call.engine.ledger(tenant, voucher_id=voucher.id)
    ]


def voucher_history(call: Call) -> list[dict[str, Any]]:
    tenant, code = call.principal.tenant_id, call.path["code"]
    voucher = call.engine.get_voucher(tenant, code=code)
    return [
        {
            "seq": h.seq,
            "kind": h.kind,
            "amount": _units(h.amount, voucher),
            "at": instant(h.at),
            "reference": h.reference,
            "store": h.store,
        }
        for h in call.engine.redeem_history(tenant, voucher_id=voucher.id)
    ]


def stats(call: Call) -> dict[str, Any]:
    counts = call.engine.stats(call.principal.tenant_id)
    for pool in counts["pools"]:
        pool.pop("tenant", None)
    return counts
