"""The money paths: redeem, hold, capture, release, expire, reverse.

Each moves a balance with one conditional ``UPDATE ... WHERE available >= :units ...
RETURNING``: the database, not a read in Python, decides whether the money is there, so two
concurrent spenders can never both take the last unit (design.md 3.2). Statements are built
once, at import.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Row, and_, bindparam, case, func, insert, or_, select, update

from voucher_engine.domain import events, lifecycle
from voucher_engine.domain.events import Event
from voucher_engine.domain.hashing import fingerprint, verify_secret
from voucher_engine.domain.holds import HoldState, capture_split, hold_ttl
from voucher_engine.domain.ledger import EntryKind
from voucher_engine.domain.lifecycle import Action, State
from voucher_engine.domain.money import Money
from voucher_engine.domain.vouchers import RedeemRequest, Voucher
from voucher_engine.engine.base import EngineBase, Tx
from voucher_engine.engine.lifecycle_ops import append_entry
from voucher_engine.engine.results import HoldResult, Movement
from voucher_engine.engine.rows import hold_from_row, load_voucher, select_hold
from voucher_engine.errors import (
    EntryNotFound,
    HoldExpired,
    HoldNotFound,
    HoldNotPending,
    IllegalTransition,
    InsufficientFunds,
    InvalidAmount,
    VoucherLocked,
)
from voucher_engine.storage.types import in_states
from voucher_engine.storage.tables import holds, ledger_entries, vouchers

V, H = vouchers.c, holds.c
_SPENDABLE = sorted(lifecycle.sources(Action.REDEEM))
_lock_open = or_(
    V.locked_until.is_(None),
    V.locked_until <= bindparam("b_now"),
    V.lock_code_hash == bindparam("b_lock"),
)


def _after_spending(available, held):  # noqa: ANN001, ANN202
    return case(
        (and_(available == 0, held == 0), State.REDEEMED.value),
        else_=State.PARTIALLY_REDEEMED.value,
    )


_debit = (
    update(vouchers)
    .where(
        V.id == bindparam("b_id"),
        V.available >= bindparam("b_units"),
        in_states(V.state, _SPENDABLE),
        _lock_open,
    )
    .values(
        available=V.available - bindparam("b_units"),
        seq=V.seq + 1,
        state=_after_spending(V.available - bindparam("b_units"), V.held),
        updated_at=bindparam("b_now"),
    )
    .returning(V.available, V.held, V.seq, V.state)
)

_hold_funds = (
    update(vouchers)
    .where(
        V.id == bindparam("b_id"),
        V.available >= bindparam("b_units"),
        in_states(V.state, _SPENDABLE),
        _lock_open,
    )
    .values(
        available=V.available - bindparam("b_units"),
        held=V.held + bindparam("b_units"),
        seq=V.seq + 1,
        updated_at=bindparam("b_now"),
    )
    .returning(V.available, V.held, V.seq, V.state)
)

# Resolving a hold: the holds row is claimed first, conditionally on its state (and, for a
# capture, on its expiry), so capture, release and expiry each win at most once.
_claim_capture = (
    update(holds)
    .where(
        H.id == bindparam("b_id"),
        H.tenant_id == bindparam("b_tenant"),
        H.state == HoldState.PENDING.value,
        H.expires_at > bindparam("b_now"),
        H.amount >= bindparam("b_captured"),
    )
    .values(state=HoldState.CAPTURED.value, captured=bindparam("b_captured"), resolved_at=bindparam("b_now"))
    .returning(H.voucher_id, H.amount)
)
_claim_release = (
    update(holds)
    .where(H.id == bindparam("b_id"), H.tenant_id == bindparam("b_tenant"), H.state == HoldState.PENDING.value)
    .values(state=HoldState.RELEASED.value, resolved_at=bindparam("b_now"))
    .returning(H.voucher_id, H.amount)
)
_claim_expiry = (
    update(holds)
    .where(
        H.id == bindparam("b_id"),
        H.tenant_id == bindparam("b_tenant"),
        H.state == HoldState.PENDING.value,
        H.expires_at <= bindparam("b_now"),
    )
    .values(state=HoldState.EXPIRED.value, resolved_at=bindparam("b_now"))
    .returning(H.voucher_id, H.amount)
)
# Give back the uncaptured part of a hold (all of it for release and expiry).
_settle_hold = (
    update(vouchers)
    .where(V.id == bindparam("b_id"))
    .values(
        held=V.held - bindparam("b_amount"),
        available=V.available + bindparam("b_back"),
        seq=V.seq + 1,
        state=case(
            (bindparam("b_spent") == 0, V.state),
            else_=_after_spending(V.available + bindparam("b_back"), V.held - bindparam("b_amount")),
        ),
        updated_at=bindparam("b_now"),
    )
    .returning(V.available, V.held, V.seq, V.state, V.code, V.currency)
)
_insert_hold = insert(holds)


class SpendingOperations(EngineBase):
    def redeem(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        amount: Money | int | None = None,
        pin: str | None = None,
        store: str | None = None,
        locking_code: str | None = None,
        reference: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Movement:
        """Spend ``amount`` (money for monetary vouchers, uses otherwise; one use by default)."""
        request = RedeemRequest(amount, pin, store, locking_code)
        pin_ok = self._check_pin(tenant_id, code, voucher_id, pin)

        def body(tx: Tx) -> Movement:
            voucher, units, row = self._take(tx, _debit, code, voucher_id, request, pin_ok)
            append_entry(tx, voucher, row.seq, EntryKind.REDEEM, available_delta=-units,
                         spent=units, reference=reference, store=store)
            tx.emit(Event(events.VOUCHER_REDEEMED, voucher.id, {
                "code": voucher.code, "amount": units, "currency": voucher.currency,
                "available": row.available, "state": row.state, "seq": row.seq,
                "reference": reference, "store": store,
            }))
            return Movement(voucher.id, voucher.code, row.seq, units, row.available, row.held,
                            State(row.state), voucher.currency, tx.now)

        return self._command(
            tenant_id, "redeem", body, Movement,
            request=self._spend_request(code, voucher_id, amount, store, reference, pin, locking_code),
            idempotency_key=idempotency_key, scope=scope,
        )

    def hold(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        amount: Money | int | None = None,
        ttl: timedelta | None = None,
        pin: str | None = None,
        store: str | None = None,
        locking_code: str | None = None,
        reference: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> HoldResult:
        """Reserve ``amount`` now; capture, release or expiry settles it later, exactly once."""
        ttl = hold_ttl(ttl or self.config.default_hold_ttl, maximum=self.config.max_hold_ttl)
        request = RedeemRequest(amount, pin, store, locking_code)
        pin_ok = self._check_pin(tenant_id, code, voucher_id, pin)

        def body(tx: Tx) -> HoldResult:
            voucher, units, row = self._take(tx, _hold_funds, code, voucher_id, request, pin_ok)
            hold_id = self.ids.new("hld")
            expires = tx.now + ttl
            tx.conn.execute(_insert_hold, {
                "id": hold_id, "tenant_id": tenant_id, "voucher_id": voucher.id, "amount": units,
                "captured": 0, "state": HoldState.PENDING.value, "expires_at": expires,
                "reference": reference, "created_at": tx.now, "resolved_at": None,
            })
            append_entry(tx, voucher, row.seq, EntryKind.HOLD, available_delta=-units,
                         held_delta=units, hold_id=hold_id, reference=reference, store=store)
            tx.emit(Event(events.HOLD_CREATED, hold_id, {
                "voucher_id": voucher.id, "code": voucher.code, "amount": units,
                "currency": voucher.currency, "expires_at": expires.isoformat(), "reference": reference,
            }))
            return HoldResult(hold_id, voucher.id, units, 0, HoldState.PENDING, expires,
                              row.available, row.held, State(row.state))

        return self._command(
            tenant_id, "hold", body, HoldResult,
            request={**self._spend_request(code, voucher_id, amount, store, reference, pin, locking_code),
                     "ttl": ttl.total_seconds()},
            idempotency_key=idempotency_key, scope=scope,
        )

    def capture(
        self,
        tenant_id: str,
        hold_id: str,
        *,
        amount: Money | int | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> HoldResult:
        """Spend all of a hold, or part of it with the rest released, unless it has expired."""

        def body(tx: Tx) -> HoldResult:
            hold = self._pending_hold(tx, hold_id)
            voucher = load_voucher(tx.conn, tenant_id, voucher_id=hold.voucher_id)
            captured, released = capture_split(hold.amount, None if amount is None else voucher.units_of(amount))
            claimed = tx.conn.execute(_claim_capture, {
                "b_id": hold_id, "b_tenant": tenant_id, "b_now": tx.now, "b_captured": captured,
            }).first()
            if claimed is None:
                self._explain_hold(tx, hold_id)
            return self._settle(tx, hold_id, hold.voucher_id, hold.amount, captured,
                                EntryKind.CAPTURE, HoldState.CAPTURED, events.HOLD_CAPTURED, hold.expires_at)

        return self._command(
            tenant_id, "capture", body, HoldResult,
            request={"hold_id": hold_id, "amount": _amount_key(amount)},
            idempotency_key=idempotency_key, scope=scope,
        )

    def release(
        self, tenant_id: str, hold_id: str, *, idempotency_key: str | None = None, scope: str = ""
    ) -> HoldResult:
        """Give a pending hold back in full."""

        def body(tx: Tx) -> HoldResult:
            claimed = tx.conn.execute(_claim_release, {"b_id": hold_id, "b_tenant": tenant_id, "b_now": tx.now}).first()
            if claimed is None:
                self._explain_hold(tx, hold_id)
            hold = hold_from_row(tx.conn.execute(select_hold(tenant_id, hold_id)).one())
            return self._settle(tx, hold_id, claimed.voucher_id, claimed.amount, 0,
                                EntryKind.RELEASE, HoldState.RELEASED, events.HOLD_RELEASED, hold.expires_at)

        return self._command(
            tenant_id, "release", body, HoldResult,
            request={"hold_id": hold_id}, idempotency_key=idempotency_key, scope=scope,
        )

    def expire_due_holds(self, *, limit: int = 500) -> int:
        """Release every pending hold whose time is up (any tenant); returns how many."""
        now = self.clock.now()
        due = self._read(lambda c: c.execute(
            select(H.tenant_id, H.id).where(H.state == HoldState.PENDING.value, H.expires_at <= now)
            .order_by(H.expires_at).limit(limit)
        ).all())
        expired = 0
        for tenant_id, hold_id in due:
            if self.expire_hold(tenant_id, hold_id) is not None:
                expired += 1
        return expired

    def expire_hold(self, tenant_id: str, hold_id: str) -> HoldResult | None:
        """Expire one hold if it is pending and due; ``None`` if it was not (anymore)."""

        def body(tx: Tx) -> HoldResult | None:
            claimed = tx.conn.execute(
                _claim_expiry, {"b_id": hold_id, "b_tenant": tenant_id, "b_now": tx.now}
            ).first()
            if claimed is None:
                return None
            hold = hold_from_row(tx.conn.execute(select_hold(tenant_id, hold_id)).one())
            return self._settle(tx, hold_id, claimed.voucher_id, claimed.amount, 0,
                                EntryKind.EXPIRE_HOLD, HoldState.EXPIRED, events.HOLD_EXPIRED, hold.expires_at)

        return self._command(tenant_id, "expire_hold", body, HoldResult | None)

    def get_hold(self, tenant_id: str, hold_id: str):  # noqa: ANN201
        row = self._read(lambda c: c.execute(select_hold(tenant_id, hold_id)).first())
        if row is None:
            raise HoldNotFound("no such hold")
        return hold_from_row(row)

    def reverse(
        self,
        tenant_id: str,
        *,
        seq: int,
        code: str | None = None,
        voucher_id: str | None = None,
        amount: Money | int | None = None,
        reference: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Movement:
        """Give back all or part of an earlier redemption or capture (entry ``seq``)."""

        def body(tx: Tx) -> Movement:
            voucher = load_voucher(tx.conn, tenant_id, code=code, voucher_id=voucher_id, for_update=True)
            lifecycle.require(voucher.state, Action.REVERSE)
            L = ledger_entries.c
            entry = tx.conn.execute(select(L.kind, L.spent).where(L.voucher_id == voucher.id, L.seq == seq)).first()
            if entry is None or entry.kind not in (EntryKind.REDEEM.value, EntryKind.CAPTURE.value) or not entry.spent:
                raise EntryNotFound(f"no redemption #{seq} on this voucher")
            # int(): PostgreSQL sums a bigint column as numeric, which arrives as a Decimal.
            given_back = int(tx.conn.execute(
                select(func.coalesce(func.sum(L.available_delta), 0))
                .where(L.voucher_id == voucher.id, L.reverses_seq == seq)
            ).scalar_one())
            units = entry.spent - given_back if amount is None else voucher.units_of(amount)
            if not 0 < units <= entry.spent - given_back:
                raise InvalidAmount(f"at most {entry.spent - given_back} of #{seq} can be given back")
            new_seq = voucher.seq + 1
            tx.conn.execute(update(vouchers).where(V.id == voucher.id).values(
                available=V.available + units, seq=new_seq,
                state=State.PARTIALLY_REDEEMED.value, updated_at=tx.now,
            ))
            append_entry(tx, voucher, new_seq, EntryKind.REVERSE, available_delta=units,
                         reverses_seq=seq, reference=reference)
            tx.emit(Event(events.VOUCHER_REVERSED, voucher.id, {
                "code": voucher.code, "amount": units, "reverses_seq": seq, "reference": reference,
            }))
            return Movement(voucher.id, voucher.code, new_seq, units, voucher.available + units,
                            voucher.held, State.PARTIALLY_REDEEMED, voucher.currency, tx.now)

        return self._command(
            tenant_id, "reverse", body, Movement,
            request={"code": code, "voucher_id": voucher_id, "seq": seq, "amount": _amount_key(amount),
                     "reference": reference},
            idempotency_key=idempotency_key, scope=scope,
        )

    # --- helpers ----------------------------------------------------------------------------------

    def _check_pin(self, tenant_id: str, code: str | None, voucher_id: str | None, pin: str | None) -> bool:
        """Verify a PIN before the write transaction: scrypt is slow on purpose and must not
        run while SQLite's write lock is held. The PIN hash never changes, so this is safe."""
        if pin is None:
            return False
        voucher = self.get_voucher(tenant_id, code=code, voucher_id=voucher_id)
        return voucher.pin_hash is not None and verify_secret(pin, voucher.pin_hash)

    @classmethod
    def _take(cls, tx: Tx, statement, code: str | None, voucher_id: str | None,  # noqa: ANN001
              request: RedeemRequest, pin_ok: bool) -> tuple[Voucher, int, Row]:
        """Check the voucher's rules, then move its units with ``statement`` (``_debit`` or
        ``_hold_funds``): the conditional UPDATE has the last word on balance, state and lock."""
        voucher = load_voucher(tx.conn, tx.tenant_id, code=code, voucher_id=voucher_id)
        units = voucher.check_redeemable(request, tx.now, pin_ok=pin_ok)
        lock = fingerprint(request.locking_code) if request.locking_code is not None else None
        row = tx.conn.execute(statement, {"b_id": voucher.id, "b_units": units, "b_now": tx.now, "b_lock": lock}).first()
        if row is None:
            cls._explain_refusal(tx, voucher.id, units, request.locking_code)
        return voucher, units, row

    @staticmethod
    def _spend_request(code, voucher_id, amount, store, reference, pin, locking_code) -> dict:  # noqa: ANN001
        return {
            "code": code, "voucher_id": voucher_id, "amount": _amount_key(amount), "store": store,
            "reference": reference, "pin": pin is not None,
            "lock": fingerprint(locking_code) if locking_code else None,
        }

    @staticmethod
    def _explain_refusal(tx: Tx, voucher_id: str, units: int, locking_code: str | None) -> None:
        """The conditional UPDATE matched nothing: say why, from the row as it is now."""
        current = load_voucher(tx.conn, tx.tenant_id, voucher_id=voucher_id)
        if current.state not in lifecycle.sources(Action.REDEEM):
            lifecycle.require(current.state, Action.REDEEM)
        if current.is_locked(tx.now) and (
            locking_code is None or fingerprint(locking_code) != current.lock_code_hash
        ):
            raise VoucherLocked("the voucher is locked", locked_until=current.locked_until)
        raise InsufficientFunds(
            f"{units} requested, {current.available} available", available=current.available
        )

    def _pending_hold(self, tx: Tx, hold_id: str):  # noqa: ANN202
        row = tx.conn.execute(select_hold(tx.tenant_id, hold_id)).first()
        if row is None:
            raise HoldNotFound("no such hold")
        hold = hold_from_row(row)
        if hold.state is not HoldState.PENDING:
            raise HoldNotPending(f"the hold is already {hold.state.value}", state=hold.state.value)
        return hold

    @staticmethod
    def _explain_hold(tx: Tx, hold_id: str) -> None:
        row = tx.conn.execute(select_hold(tx.tenant_id, hold_id)).first()
        if row is None:
            raise HoldNotFound("no such hold")
        if row.state != HoldState.PENDING.value:
            raise HoldNotPending(f"the hold is already {row.state}", state=row.state)
        if row.expires_at <= tx.now:
            raise HoldExpired("the hold has expired")
        raise IllegalTransition("the hold cannot be resolved this way")

    def _settle(self, tx: Tx, hold_id: str, voucher_id: str, amount: int, captured: int,
                kind: EntryKind, state: HoldState, event_type: str, expires_at) -> HoldResult:  # noqa: ANN001
        back = amount - captured
        row = tx.conn.execute(_settle_hold, {
            "b_id": voucher_id, "b_amount": amount, "b_back": back, "b_spent": captured, "b_now": tx.now,
        }).one()
        append_entry(tx, voucher_id, row.seq, kind, available_delta=back, held_delta=-amount,
                     spent=captured, hold_id=hold_id)
        tx.emit(Event(event_type, hold_id, {
            "voucher_id": voucher_id, "code": row.code, "amount": amount, "captured": captured,
            "released": back, "currency": row.currency, "state": row.state,
        }))
        return HoldResult(hold_id, voucher_id, amount, captured, state, expires_at,
                          row.available, row.held, State(row.state))


def _amount_key(amount: Money | int | None) -> object:
    return [amount.minor, amount.currency] if isinstance(amount, Money) else amount

