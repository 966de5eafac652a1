"""Issuing vouchers and moving them through the lifecycle table (everything but spending).

These commands lock the voucher row first (``SELECT ... FOR UPDATE``; on SQLite the
``BEGIN IMMEDIATE`` write lock does the same), then decide with the domain, then write: a
locked read, never a read-then-write race. The hot spending paths are in ``spending``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, insert, select, update

from voucher_engine.domain import events, lifecycle
from voucher_engine.domain.codes import CodeFormat, normalise_code
from voucher_engine.domain.events import Event
from voucher_engine.domain.hashing import hash_secret
from voucher_engine.domain.ledger import Entry, EntryKind
from voucher_engine.domain.lifecycle import Action, State
from voucher_engine.domain.validity import expires_at, resolve_all
from voucher_engine.domain.vouchers import Voucher, VoucherSpec
from voucher_engine.engine import codec
from voucher_engine.engine.base import EngineBase, Tx
from voucher_engine.engine.moves import ENTRY_COLUMNS
from voucher_engine.engine.references import require_voucher_references
from voucher_engine.engine.results import HistoryLine
from voucher_engine.engine.rows import entry_from_row, load_voucher, select_ledger, voucher_from_row
from voucher_engine.engine.voucher_jobs import VoucherJob, queue_voucher_jobs
from voucher_engine.errors import AlreadyExists, IllegalTransition, ThirdPartyIdInUse
from voucher_engine.storage.direct import Direct
from voucher_engine.storage.tables import ledger_entries, vouchers

#: Codes for vouchers issued without one: 16 unambiguous characters, about 79 bits.
DEFAULT_CODE_FORMAT = CodeFormat("XXXX-XXXX-XXXX-XXXX")

# The public id is assigned inside this INSERT (storage/public_ids.py) and read back by its
# RETURNING: no second statement, no lock of its own.
_insert_voucher = insert(vouchers).returning(vouchers.c.public_id)
# RETURNING the id on both databases, where SQLAlchemy would read SQLite's ``lastrowid``: the
# statement goes to the driver directly (storage/direct.py), on every redemption on SQLite.
_insert_entry = Direct(insert(ledger_entries).returning(ledger_entries.c.id), ENTRY_COLUMNS)


def append_entry(tx: Tx, voucher: Voucher | str, seq: int, kind: EntryKind, **values: Any) -> int:
    """Append one ledger entry; return its id. ``effective_at`` defaults to the command's now."""
    voucher_id = voucher if isinstance(voucher, str) else voucher.id
    row = _insert_entry.first(
        tx.link,
        {
            "tenant_id": tx.tenant_id,
            "voucher_id": voucher_id,
            "seq": seq,
            "kind": kind.value,
            "available_delta": values.pop("available_delta", 0),
            "held_delta": values.pop("held_delta", 0),
            "spent": values.pop("spent", 0),
            "reference": values.pop("reference", None),
            "hold_id": values.pop("hold_id", None),
            "store": values.pop("store", None),
            "reverses_seq": values.pop("reverses_seq", None),
            "created_at": tx.now,
            "effective_at": values.pop("effective_at", None) or tx.now,
            **values,
        },
    )
    assert row is not None  # a single-row INSERT ... RETURNING returns its row
    entry_id: int = row.id
    return entry_id


class LifecycleOperations(EngineBase):
    def issue(
        self,
        tenant_id: str,
        spec: VoucherSpec,
        *,
        code: str | None = None,
        code_format: CodeFormat | None = None,
        state: State = State.AVAILABLE,
        holder: str | None = None,
        campaign_id: str | None = None,
        offer_id: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """Issue one voucher: its row, its opening ledger entry and ``voucher.issued``."""
        lifecycle.transition(None, Action.ISSUE, State(state))
        given = normalise_code(code) if code is not None else None
        draw = (code_format or DEFAULT_CODE_FORMAT).generator(self.random)
        # Hash outside the transaction: scrypt is slow on purpose, a write lock must not wait.
        pin_hash = hash_secret(spec.pin, self.random.randbytes(16)) if spec.pin else None

        def body(tx: Tx) -> Voucher:
            self._require_tenant(tx.conn, tenant_id)
            require_voucher_references(
                tx.conn, tenant_id, campaign_id=campaign_id, offer_id=offer_id, store_ids=spec.redeemable_at
            )
            windows = resolve_all(spec.validity, tx.now)
            row: dict[str, Any] = {
                "id": self.ids.new("vch"),
                "tenant_id": tenant_id,
                "code": given or draw(),
                "kind": spec.kind.value,
                "state": State(state).value,
                "currency": spec.currency,
                "initial": spec.units,
                "available": spec.units,
                "held": 0,
                "seq": 1,
                "windows": [w.to_json() for w in windows],
                "expires_at": expires_at(windows),
                "redeemable_at": list(spec.redeemable_at),
                "taxable": spec.taxable,
                "tax_rate": str(spec.tax_rate) if spec.tax_rate is not None else None,
                "attributes": spec.metadata,
                "holder": holder,
                "campaign_id": campaign_id,
                "offer_id": offer_id,
                "pin_hash": pin_hash,
                "locked_until": None,
                "lock_code_hash": None,
                "created_at": tx.now,
                "updated_at": tx.now,
                "third_party_id": spec.third_party_id,
            }
            row["public_id"] = tx.conn.execute(_insert_voucher, row).scalar_one()
            append_entry(tx, row["id"], 1, EntryKind.ISSUE, available_delta=spec.units)
            tx.emit(
                Event(
                    events.VOUCHER_ISSUED,
                    row["id"],
                    {
                        "code": row["code"],
                        "kind": spec.kind.value,
                        "state": row["state"],
                        "units": spec.units,
                        "currency": spec.currency,
                        "campaign_id": campaign_id,
                    },
                )
            )
            return voucher_from_row(SimpleNamespace(**row))

        spec_json = {**codec.dump(spec), "pin": spec.pin is not None}
        if spec.third_party_id is None:  # keeps the hash of requests saved before it existed
            spec_json.pop("third_party_id", None)
        request = {
            "spec": spec_json,
            "code": given,
            "state": str(state),
            "holder": holder,
            "campaign_id": campaign_id,
            "offer_id": offer_id,
        }
        # A drawn code may (very rarely) collide with an existing one: draw again.
        for attempt in range(5):
            try:
                return self._command(
                    tenant_id,
                    "issue",
                    body,
                    Voucher,
                    request=request,
                    idempotency_key=idempotency_key,
                    scope=scope,
                )
            except AlreadyExists as error:
                if "third_party_id" in str(error.details.get("constraint", "")):
                    raise ThirdPartyIdInUse(
                        "another voucher already has this third-party id",
                        third_party_id=spec.third_party_id,
                    ) from None
                if given is not None or attempt == 4:
                    raise AlreadyExists("a voucher with this code already exists") from None
        raise AssertionError("unreachable")

    def get_voucher(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        public_id: int | None = None,
        third_party_id: str | None = None,
    ) -> Voucher:
        """One voucher, named by exactly one of its code, id, public id or third-party id."""
        return self._read(
            lambda c: load_voucher(
                c,
                tenant_id,
                code=code,
                voucher_id=voucher_id,
                public_id=public_id,
                third_party_id=third_party_id,
            )
        )

    def ledger(self, tenant_id: str, *, code: str | None = None, voucher_id: str | None = None) -> list[Entry]:
        """Every ledger entry of one voucher, in order."""

        def read(conn: Connection) -> list[Entry]:
            voucher = load_voucher(conn, tenant_id, code=code, voucher_id=voucher_id)
            return [entry_from_row(r) for r in conn.execute(select_ledger(voucher.id))]

        return self._read(read)

    def redeem_history(
        self, tenant_id: str, *, code: str | None = None, voucher_id: str | None = None
    ) -> list[HistoryLine]:
        """Redemptions, captures, reversals and refunds, read from the ledger."""
        spending = {EntryKind.REDEEM, EntryKind.CAPTURE, EntryKind.REFUND}
        lines = []
        for e in self.ledger(tenant_id, code=code, voucher_id=voucher_id):
            if e.kind in spending and e.spent:
                lines.append(HistoryLine(e.seq, e.kind.value, e.spent, e.at, e.reference, e.store, e.effective_at))
            elif e.kind is EntryKind.REVERSE:
                lines.append(
                    HistoryLine(e.seq, e.kind.value, -e.available_delta, e.at, e.reference, e.store, e.effective_at)
                )
        return lines

    # --- state changes ----------------------------------------------------------------------------

    def confirm(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        jobs: Sequence[VoucherJob] = (),
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """Confirm a reserved voucher; ``jobs`` (its fulfilment) are queued in the same
        transaction, so a confirmed voucher is never left without them."""
        return self._change(
            tenant_id,
            Action.CONFIRM,
            State.CONFIRMED,
            events.VOUCHER_CONFIRMED,
            code,
            voucher_id,
            {},
            idempotency_key,
            scope,
            jobs=jobs,
        )

    def fulfil(
        self,
        tenant_id: str,
        *,
        voucher_id: str,
        new_code: str | None = None,
        attributes: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """Make a confirmed voucher ready, optionally giving it its final code and attributes
        (a URL, an attachment reference) that are merged into its metadata."""
        values: dict[str, Any] = {}
        if new_code is not None:
            values["code"] = normalise_code(new_code)
        return self._change(
            tenant_id,
            Action.FULFIL,
            State.READY,
            events.VOUCHER_FULFILLED,
            None,
            voucher_id,
            values,
            idempotency_key,
            scope,
            merge_attributes=attributes or {},
        )

    def cancel(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """Cancel a voucher that has not been used; what it held is forfeited in the ledger."""
        return self._change(
            tenant_id,
            Action.CANCEL,
            State.CANCELLED,
            events.VOUCHER_CANCELLED,
            code,
            voucher_id,
            {},
            idempotency_key,
            scope,
            close_with=EntryKind.FORFEIT,
        )

    def request_refund(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        return self._change(
            tenant_id,
            Action.REQUEST_REFUND,
            State.REFUND_REQUESTED,
            events.VOUCHER_REFUND_REQUESTED,
            code,
            voucher_id,
            {},
            idempotency_key,
            scope,
        )

    def refund(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """Complete a requested refund: the remaining balance leaves with a REFUND entry."""
        return self._change(
            tenant_id,
            Action.REFUND,
            State.REFUNDED,
            events.VOUCHER_REFUNDED,
            code,
            voucher_id,
            {},
            idempotency_key,
            scope,
            close_with=EntryKind.REFUND,
        )

    def expire(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """Expire one voucher now (the sweep does this for vouchers past their windows)."""
        return self._change(
            tenant_id,
            Action.EXPIRE,
            State.EXPIRED,
            events.VOUCHER_EXPIRED,
            code,
            voucher_id,
            {},
            idempotency_key,
            scope,
            close_with=EntryKind.FORFEIT,
        )

    def expire_due_vouchers(self, *, limit: int = 500) -> int:
        """Expire vouchers whose every validity window has ended; returns how many.

        Vouchers with pending holds wait until the holds resolve (``expire_due_holds``).
        """
        now = self.clock.now()
        due = self._read(
            lambda c: c.execute(
                select(vouchers.c.tenant_id, vouchers.c.id)
                .where(
                    vouchers.c.expires_at <= now,
                    vouchers.c.state.in_(lifecycle.sources(Action.EXPIRE)),
                    vouchers.c.held == 0,
                )
                .order_by(vouchers.c.expires_at)
                .limit(limit)
            ).all()
        )
        expired = 0
        for tenant_id, voucher_id in due:
            try:
                self.expire(tenant_id, voucher_id=voucher_id)
                expired += 1
            except IllegalTransition:
                pass  # changed state since we looked: someone else decided first
        return expired

    def _change(
        self,
        tenant_id: str,
        action: Action,
        target: State,
        event_type: str,
        code: str | None,
        voucher_id: str | None,
        values: dict[str, Any],
        idempotency_key: str | None,
        scope: str,
        *,
        close_with: EntryKind | None = None,
        merge_attributes: dict[str, Any] | None = None,
        jobs: Sequence[VoucherJob] = (),
    ) -> Voucher:
        def body(tx: Tx) -> Voucher:
            voucher = load_voucher(tx.link, tenant_id, code=code, voucher_id=voucher_id, for_update=True)
            lifecycle.transition(voucher.state, action, target)
            changes: dict[str, Any] = {**values, "state": target.value, "updated_at": tx.now}
            if merge_attributes:
                changes["attributes"] = {**voucher.metadata, **merge_attributes}
            # A refund request waits for pending holds too: capturing one afterwards would
            # move a refund-requested voucher to partially redeemed, outside the table.
            if voucher.held and (close_with is not None or action is Action.REQUEST_REFUND):
                raise IllegalTransition(f"cannot {action.value} a voucher with pending holds", action=action.value)
            if close_with is not None and voucher.available:
                changes.update(available=0, seq=voucher.seq + 1)
                spent = voucher.available if close_with is EntryKind.REFUND else 0
                append_entry(tx, voucher, voucher.seq + 1, close_with, available_delta=-voucher.available, spent=spent)
            tx.conn.execute(update(vouchers).where(vouchers.c.id == voucher.id).values(**changes))
            tx.emit(
                Event(
                    event_type,
                    voucher.id,
                    {"code": changes.get("code", voucher.code), "state": target.value, "from": voucher.state.value},
                )
            )
            queue_voucher_jobs(tx, voucher.id, jobs)
            after = {k: v for k, v in changes.items() if k != "attributes"}
            if "attributes" in changes:
                after["metadata"] = changes["attributes"]
            after["state"] = target
            return dataclasses.replace(voucher, **after)

        request = {
            "code": code,
            "voucher_id": voucher_id,
            "values": values,
            "merge": merge_attributes,
            "jobs": [codec.dump(job) for job in jobs],
        }
        return self._command(
            tenant_id,
            action.value,
            body,
            Voucher,
            request=request,
            idempotency_key=idempotency_key,
            scope=scope,
        )
