"""Rows to domain objects, and the voucher lookup every voucher command starts with."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, Select, bindparam, select

from voucher_engine.domain.holds import Hold, HoldState
from voucher_engine.domain.ledger import Entry, EntryKind
from voucher_engine.domain.lifecycle import State
from voucher_engine.domain.validity import Window
from voucher_engine.domain.vouchers import Voucher, VoucherKind
from voucher_engine.errors import ValidationError, VoucherNotFound
from voucher_engine.storage.direct import Direct, Runner
from voucher_engine.storage.tables import holds, ledger_entries, vouchers

V = vouchers.c

# Column values to members by a dict lookup: an enum's own call (``State(value)``) runs two
# Python frames, and every voucher, hold and entry read calls it once or twice.
_KIND = {kind.value: kind for kind in VoucherKind}
#: A voucher's ``state`` column to its ``State``.
STATES = {state.value: state for state in State}
_ENTRY_KIND = {kind.value: kind for kind in EntryKind}
_HOLD_STATE = {state.value: state for state in HoldState}


def voucher_from_row(row: Row[*tuple[Any, ...]] | SimpleNamespace) -> Voucher:
    """``row`` is a ``vouchers`` row, or the values just inserted as one (a namespace)."""
    return Voucher(
        id=row.id,
        tenant_id=row.tenant_id,
        code=row.code,
        kind=_KIND[row.kind],
        state=STATES[row.state],
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
        public_id=row.public_id,
        third_party_id=row.third_party_id,
    )


def entry_from_row(row: Row[*tuple[Any, ...]]) -> Entry:
    return Entry(
        voucher_id=row.voucher_id,
        seq=row.seq,
        kind=_ENTRY_KIND[row.kind],
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


def hold_from_row(row: Row[*tuple[Any, ...]]) -> Hold:
    return Hold(
        id=row.id,
        tenant_id=row.tenant_id,
        voucher_id=row.voucher_id,
        amount=row.amount,
        captured=row.captured,
        state=_HOLD_STATE[row.state],
        expires_at=row.expires_at,
        reference=row.reference,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
    )


# Built once: every command starts with one of these lookups, and building a statement costs
# more than running it on SQLite. Keyed by (the column looked up, whether the row is locked).
_KEYS = {"code": V.code, "voucher_id": V.id, "public_id": V.public_id, "third_party_id": V.third_party_id}
_LOOKUPS: dict[tuple[str, bool], Direct] = {}
for _name, _column in _KEYS.items():
    _query = select(vouchers).where(V.tenant_id == bindparam("b_tenant"), _column == bindparam("b_key"))
    _LOOKUPS[(_name, False)] = Direct(_query)
    _LOOKUPS[(_name, True)] = Direct(_query.with_for_update())


def load_voucher(
    conn: Runner,
    tenant_id: str,
    *,
    code: str | None = None,
    voucher_id: str | None = None,
    public_id: int | None = None,
    third_party_id: str | None = None,
    for_update: bool = False,
) -> Voucher:
    """The voucher named by exactly one of its keys, in ``tenant_id``, or ``VoucherNotFound``."""
    given = {
        name: value
        for name, value in (
            ("code", code),
            ("voucher_id", voucher_id),
            ("public_id", public_id),
            ("third_party_id", third_party_id),
        )
        if value is not None
    }
    if len(given) != 1:
        raise ValidationError("name a voucher by exactly one of code, id, public id or third-party id")
    [(name, key)] = given.items()
    if name == "public_id" and (type(key) is not int or not 0 < key < 2**63):
        raise VoucherNotFound("no such voucher")  # not a number a voucher could carry
    row = _LOOKUPS[(name, for_update)].first(conn, {"b_tenant": tenant_id, "b_key": key})
    if row is None:
        raise VoucherNotFound("no such voucher")
    return voucher_from_row(row)


def select_ledger(voucher_id: str) -> Select[*tuple[Any, ...]]:
    return select(ledger_entries).where(ledger_entries.c.voucher_id == voucher_id).order_by(ledger_entries.c.seq)


def select_hold(tenant_id: str, hold_id: str) -> Select[*tuple[Any, ...]]:
    return select(holds).where(holds.c.tenant_id == tenant_id, holds.c.id == hold_id)
