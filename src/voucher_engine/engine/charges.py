"""Charges after the fact: reading a ledger entry by id, and refunding (``reverse``) all or
part of a redemption or capture, several times, never above what it spent.

The guard of a refund is the voucher's row lock, taken first (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite the ``BEGIN IMMEDIATE`` write lock of every command does the same): with
it held, the sum of earlier refunds of the entry is read and the new one checked against the
entry's ``spent``. A second refund of the same charge waits for the lock and then reads the
first one's entry (READ COMMITTED reads each statement's latest committed rows).
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select, update

from voucher_engine.domain import events, lifecycle
from voucher_engine.domain.events import Event
from voucher_engine.domain.ledger import Entry, EntryKind
from voucher_engine.domain.lifecycle import Action, State
from voucher_engine.domain.money import Money
from voucher_engine.engine.base import EngineBase, Tx
from voucher_engine.engine.lifecycle_ops import append_entry
from voucher_engine.engine.results import Movement
from voucher_engine.engine.rows import STATES, entry_from_row, load_voucher
from voucher_engine.errors import EntryNotFound, InvalidAmount, ValidationError
from voucher_engine.storage.tables import ledger_entries, vouchers

V, L = vouchers.c, ledger_entries.c
_CHARGES = (EntryKind.REDEEM.value, EntryKind.CAPTURE.value)

_entry_by_id = select(ledger_entries).where(L.id == bindparam("b_id"), L.tenant_id == bindparam("b_tenant"))
_entry_by_seq = select(L.id, L.kind, L.spent).where(L.voucher_id == bindparam("b_voucher"), L.seq == bindparam("b_seq"))
# int() where it is read: PostgreSQL sums a bigint column as numeric, which arrives as a Decimal.
_given_back = select(func.coalesce(func.sum(L.available_delta), 0)).where(
    L.voucher_id == bindparam("b_voucher"), L.reverses_seq == bindparam("b_seq"), L.kind == EntryKind.REVERSE.value
)
_credit = (
    update(vouchers)
    .where(V.id == bindparam("b_id"))
    .values(
        available=V.available + bindparam("b_units"),
        seq=V.seq + 1,
        state=bindparam("b_state"),
        updated_at=bindparam("b_now"),
    )
    .returning(V.available, V.held, V.seq, V.state)
)


class ChargeOperations(EngineBase):
    def get_entry(self, tenant_id: str, entry_id: int) -> Entry:
        """One ledger entry by its id (``HoldResult.entry_id``, ``Movement.entry_id``)."""
        row = self._read(lambda c: c.execute(_entry_by_id, {"b_id": entry_id, "b_tenant": tenant_id}).first())
        if row is None:
            raise EntryNotFound(f"no ledger entry {entry_id}")
        return entry_from_row(row)

    def reverse(
        self,
        tenant_id: str,
        *,
        seq: int | None = None,
        entry_id: int | None = None,
        code: str | None = None,
        voucher_id: str | None = None,
        amount: Money | int | None = None,
        reference: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Movement:
        """Refund all (``amount=None``: all that is left) or part of an earlier redemption or
        capture, named by ``entry_id`` or by the voucher and the entry's ``seq``. Several
        partial refunds may follow each other; together they never exceed what the entry
        spent (``InvalidAmount`` otherwise, and nothing is written)."""
        if (seq is None) == (entry_id is None):
            raise ValidationError("name the entry by seq (with the voucher) or by entry_id, not both")
        if seq is not None and code is None and voucher_id is None:
            raise ValidationError("a seq names an entry of one voucher: give its code or id")

        def body(tx: Tx) -> Movement:
            target_id, target_seq = voucher_id, seq
            if entry_id is not None:
                entry = tx.conn.execute(_entry_by_id, {"b_id": entry_id, "b_tenant": tenant_id}).first()
                if entry is None:
                    raise EntryNotFound(f"no ledger entry {entry_id}")
                target_id, target_seq = entry.voucher_id, entry.seq
            voucher = load_voucher(
                tx.conn, tenant_id, code=code if target_id is None else None, voucher_id=target_id, for_update=True
            )
            if (code is not None and voucher.code != code) or (voucher_id is not None and voucher.id != voucher_id):
                raise EntryNotFound(f"no ledger entry {entry_id} on this voucher")
            target = lifecycle.transition(voucher.state, Action.REVERSE, State.PARTIALLY_REDEEMED)
            charge = tx.conn.execute(_entry_by_seq, {"b_voucher": voucher.id, "b_seq": target_seq}).first()
            if charge is None or charge.kind not in _CHARGES or not charge.spent:
                raise EntryNotFound(f"no redemption #{target_seq} on this voucher")
            given_back = int(tx.conn.execute(_given_back, {"b_voucher": voucher.id, "b_seq": target_seq}).scalar_one())
            left = charge.spent - given_back
            units = left if amount is None else voucher.units_of(amount)
            if not 0 < units <= left:
                raise InvalidAmount(f"at most {left} of #{target_seq} can be given back", left=left)
            row = tx.conn.execute(
                _credit,
                {
                    "b_id": voucher.id,
                    "b_units": units,
                    "b_state": target.value,
                    "b_now": tx.now,
                },
            ).one()
            new_entry = append_entry(
                tx,
                voucher,
                row.seq,
                EntryKind.REVERSE,
                available_delta=units,
                reverses_seq=target_seq,
                reference=reference,
            )
            tx.emit(
                Event(
                    events.VOUCHER_REVERSED,
                    voucher.id,
                    {
                        "code": voucher.code,
                        "amount": units,
                        "reverses_seq": target_seq,
                        "reverses_entry_id": charge.id,
                        "reference": reference,
                        "seq": row.seq,
                    },
                )
            )
            return Movement(
                voucher.id,
                voucher.code,
                row.seq,
                units,
                row.available,
                row.held,
                STATES[row.state],
                voucher.currency,
                tx.now,
                new_entry,
                tx.now,
            )

        return self._command(
            tenant_id,
            "reverse",
            body,
            Movement,
            request={
                "code": code,
                "voucher_id": voucher_id,
                "seq": seq,
                "entry_id": entry_id,
                "amount": [amount.minor, amount.currency] if isinstance(amount, Money) else amount,
                "reference": reference,
            },
            idempotency_key=idempotency_key,
            scope=scope,
        )
