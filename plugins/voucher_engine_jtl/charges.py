"""Charges: ``GET /v1/charges/{id}`` and ``POST /v1/charges/{id}/refund``.

A charge is the ledger entry a reservation's capture wrote; its id is that entry's id. A refund
gives part or all of it back to the voucher (a ``reverse`` entry, whose id is the refund's);
several partial refunds may follow, and the engine's guard keeps their sum within the charge,
also when they arrive in parallel.
"""

from __future__ import annotations

from voucher_engine import Entry, EntryKind
from voucher_engine.identity import Principal
from voucher_engine.plugin import Call, FieldError, errors
from voucher_engine_jtl.amounts import shown
from voucher_engine_jtl.errors import ChargeNotFound, RefundExceedsCharge
from voucher_engine_jtl.validation import check_refund
from voucher_engine_jtl.views import SCOPE_PREFIX, money, refuse
from voucher_engine_jtl.wire import ChargeOut, RefundOut, rfc3339

#: Entry ids are 64-bit integers; anything longer or not all ASCII digits names no charge.
MAX_ID_DIGITS = 18


def charge_id_of(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS):
        raise ChargeNotFound("no such charge")
    return int(text)


def _charge(call: Call, caller: Principal) -> Entry:
    """The caller's tenant's charge the path names: a capture entry, nothing else."""
    try:
        entry = call.engine.get_entry(caller.tenant_id, charge_id_of(call.path["charge_id"]))
    except errors.NotFound:
        raise ChargeNotFound("no such charge") from None
    if entry.kind != EntryKind.CAPTURE or not entry.spent:
        raise ChargeNotFound("no such charge")
    return entry


def get_charge(call: Call) -> ChargeOut:
    caller: Principal = call.principal
    entry = _charge(call, caller)
    voucher = call.engine.get_voucher(caller.tenant_id, voucher_id=entry.voucher_id)
    hold = call.engine.get_hold(caller.tenant_id, entry.hold_id) if entry.hold_id else None
    created = rfc3339(entry.at)
    return ChargeOut(
        id=str(entry.id),
        voucher_id=entry.voucher_id,
        client_id=(hold.reference if hold else None) or "",
        type="charge",
        amount=shown(entry.spent, voucher.currency or ""),
        order_number=entry.reference,
        created_at=created,
        updated_at=created,
        reservation_id=entry.hold_id,
    )


def refund(call: Call) -> RefundOut:
    caller: Principal = call.principal
    request, problems = check_refund(call.body)
    refuse(problems)
    assert request is not None
    entry = _charge(call, caller)
    voucher = call.engine.get_voucher(caller.tenant_id, voucher_id=entry.voucher_id)
    amount = money(request.amount, request.currency)
    if voucher.currency != request.currency:
        raise errors.CurrencyMismatch(f"{request.currency} does not match the voucher's {voucher.currency}")
    try:
        moved = call.engine.reverse(
            caller.tenant_id,
            entry_id=entry.id,
            voucher_id=entry.voucher_id,
            amount=amount,
            reference=entry.reference,
            idempotency_key=call.idempotency_key,
            scope=SCOPE_PREFIX + caller.client_id,
        )
    except errors.InvalidAmount as error:
        # The engine's guard: what this charge has left, read under the voucher's row lock.
        left = error.details.get("left")
        limit = f" (at most {shown(left, voucher.currency or '')})" if isinstance(left, int) else ""
        message = f"amount is more than the charge has left{limit}"
        raise RefundExceedsCharge(message, fields=(FieldError("amount", "maximum", message),)) from None
    created = rfc3339(moved.effective_at or moved.at)
    return RefundOut(
        id=str(moved.entry_id),
        voucher_id=moved.voucher_id,
        client_id=caller.client_id,
        type="refund",
        amount=shown(moved.amount, voucher.currency or ""),
        order_number=entry.reference,
        created_at=created,
        updated_at=created,
        charge_id=str(entry.id),
    )
