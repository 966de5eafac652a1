"""Reservations: ``POST /v1/reservations`` (hold an amount of a voucher found by code and PIN,
replacing the voucher's pending reservation), ``GET`` one, charge it, cancel it."""

from __future__ import annotations

from voucher_engine import HoldState
from voucher_engine.identity import Principal
from voucher_engine.plugin import Call, Reply
from voucher_engine_jtl.amounts import shown
from voucher_engine_jtl.settings import settings_of
from voucher_engine_jtl.validation import check_charge, check_reservation
from voucher_engine_jtl.views import (
    SCOPE_PREFIX,
    money,
    refuse,
    reservation_out,
    reservation_status_out,
)
from voucher_engine_jtl.wire import ChargeOut, ReservationOut, ReservationStatusOut, rfc3339

STATUS = {
    HoldState.PENDING: "pending",
    HoldState.CAPTURED: "charged",
    HoldState.RELEASED: "cancelled",  # cancelled, or replaced by a newer reservation
    HoldState.EXPIRED: "expired",
}


def reserve(call: Call) -> ReservationOut:
    caller: Principal = call.principal
    request, problems = check_reservation(call.body)
    refuse(problems)
    assert request is not None
    amount = money(request.amount, request.currency)
    # The engine checks the code, the PIN (an unknown code and a wrong PIN both answer
    # VOUCHER.NOT_FOUND), the currency, validity and balance; replace=True releases the
    # voucher's pending reservation in the same transaction, whoever made it.
    held = call.engine.hold(
        caller.tenant_id,
        code=request.code,
        amount=amount,
        pin=request.pin,
        ttl=settings_of(call.engine).reservation_ttl,
        reference=caller.client_id,
        replace=True,
        idempotency_key=call.idempotency_key,
        scope=SCOPE_PREFIX + caller.client_id,
    )
    voucher = call.engine.get_voucher(caller.tenant_id, voucher_id=held.voucher_id)
    created = held.created_at
    assert created is not None  # a hold writes its ledger entry
    return reservation_out(
        hold_id=held.hold_id,
        voucher=voucher,
        client_id=caller.client_id,
        amount=held.amount,
        valid_until=held.expires_at,
        created_at=created,
        updated_at=created,
    )


def get_reservation(call: Call) -> ReservationStatusOut:
    caller: Principal = call.principal
    hold = call.engine.get_hold(caller.tenant_id, call.path["reservation_id"])
    voucher = call.engine.get_voucher(caller.tenant_id, voucher_id=hold.voucher_id)
    status = STATUS[hold.state]
    if hold.state is HoldState.PENDING and hold.expires_at <= call.engine.clock.now():
        status = "expired"  # due, and not yet swept: it can no longer be charged
    return reservation_status_out(
        status,
        hold_id=hold.id,
        voucher=voucher,
        client_id=hold.reference or "",
        amount=hold.amount,
        valid_until=hold.expires_at,
        created_at=hold.created_at,
        updated_at=hold.resolved_at or hold.created_at,
    )


def charge(call: Call) -> ChargeOut:
    """Spend the whole reservation; the charge is the ledger entry the capture wrote."""
    caller: Principal = call.principal
    order_number, problems = check_charge(call.body)
    refuse(problems)
    reservation_id = call.path["reservation_id"]
    captured = call.engine.capture(
        caller.tenant_id,
        reservation_id,
        reference=order_number,
        idempotency_key=call.idempotency_key,
        scope=SCOPE_PREFIX + caller.client_id,
    )
    hold = call.engine.get_hold(caller.tenant_id, reservation_id)
    assert captured.created_at is not None  # a capture writes its ledger entry
    created = rfc3339(captured.created_at)
    return ChargeOut(
        id=str(captured.entry_id),
        voucher_id=captured.voucher_id,
        client_id=hold.reference or caller.client_id,
        type="charge",
        amount=shown(captured.captured, captured.currency or ""),
        order_number=captured.reference,
        created_at=created,
        updated_at=created,
        reservation_id=reservation_id,
    )


def cancel(call: Call) -> Reply:
    """Give the reserved amount back to the voucher; 204."""
    caller: Principal = call.principal
    call.engine.release(
        caller.tenant_id,
        call.path["reservation_id"],
        idempotency_key=call.idempotency_key,
        scope=SCOPE_PREFIX + caller.client_id,
    )
    return Reply(status=204)
