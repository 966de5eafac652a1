"""Rows to domain objects, and the voucher lookup every voucher command starts with."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, Row, bindparam, select

from voucher_engine.domain.holds import Hold, HoldState
from voucher_engine.domain.ledger import Entry, EntryKind
from voucher_engine.domain.lifecycle import State
from voucher_engine.domain.validity import Window
from voucher_engine.domain.vouchers import Voucher, VoucherKind
from voucher_engine.errors import ValidationError, VoucherNotFound
from voucher_engine.storage.tables import holds, ledger_entries, vouchers

V = vouchers.c


def voucher_from_row(row: Row) -> Voucher:
    return Voucher(
        id=row.id,
        tenant_id=row.tenant_id,
        code=row.code,
        kind=VoucherKind(row.kind),
        state=State(row.state),
        currency=row.currency,
        initial=row.initial,
        available=row.available,
        held=row.held,
        windows=tuple(Window.from_json(w) for w in row.windows),
        redeemable_at=tuple(row.redeemable_at),
        taxable=row.taxable,
        tax_rate=Decimal(row.tax_rate) if row.tax_rate is not None else None,
        metadata=dict(row.attributes),
        holder=row.holder,
        campaign_id=row.campaign_id,
        offer_id=row.offer_id,
        pin_hash=row.pin_hash,
        locked_until=row.locked_until,
        lock_code_hash=row.lock_code_hash,
        seq=row.seq,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def entry_from_row(row: Row) -> Entry:
    return Entry(
        voucher_id=row.voucher_id,
        seq=row.seq,
        kind=EntryKind(row.kind),
        available_delta=row.available_delta,
        held_delta=row.held_delta,
        spent=row.spent,
        at=row.created_at,
        reference=row.reference,
        hold_id=row.hold_id,
        store=row.store,
        id=row.id,
        effective_at=row.effective_at,
        reverses_seq=row.reverses_seq,
    )


def hold_from_row(row: Row) -> Hold:
    return Hold(
        id=row.id,
        tenant_id=row.tenant_id,
        voucher_id=row.voucher_id,
        amount=row.amount,
        captured=row.captured,
        state=HoldState(row.state),
        expires_at=row.expires_at,
        reference=row.reference,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
    )


# Built once: every command starts with one of these lookups, and building a statement costs
# more than running it on SQLite.
_by_code = select(vouchers).where(V.tenant_id == bindparam("b_tenant"), V.code == bindparam("b_key"))
_by_id = select(vouchers).where(V.tenant_id == bindparam("b_tenant"), V.id == bindparam("b_key"))
_LOOKUPS = {
    (True, False): _by_code, (False, False): _by_id,
    (True, True): _by_code.with_for_update(), (False, True): _by_id.with_for_update(),
}


def load_voucher(
    conn: Connection,
    tenant_id: str,
    *,
    code: str | None = None,
    voucher_id: str | None = None,
    for_update: bool = False,
) -> Voucher:
    if (code is None) == (voucher_id is None):
        raise ValidationError("name a voucher by code or by id, not both")
    query = _LOOKUPS[(code is not None, for_update)]
    row = conn.execute(query, {"b_tenant": tenant_id, "b_key": code if code is not None else voucher_id}).first()
    if row is None:
        raise VoucherNotFound("no such voucher")
    return voucher_from_row(row)


def select_ledger(voucher_id: str):  # noqa: ANN201
    return (
        select(ledger_entries)
        .where(ledger_entries.c.voucher_id == voucher_id)
        .order_by(ledger_entries.c.seq)
    )


def select_hold(tenant_id: str, hold_id: str):  # noqa: ANN201
    return select(holds).where(holds.c.tenant_id == tenant_id, holds.c.id == hold_id)
