"""The money paths: redeem, redeem everything, hold, capture, release, expire.

Each moves a balance with one conditional ``UPDATE ... WHERE available >= :units ...
RETURNING``: the database, not a read in Python, decides whether the money is there, so two
concurrent spenders can never both take the last unit (design.md 3.2). Statements are built
once, at import. Refunds of a charge (``reverse``) are in ``charges``.

Row locks are taken in one order everywhere: the voucher row first, then its holds. A
replacing hold must lock the voucher before it looks for pending holds (or two replacing
holds would each miss the other's new hold), so capture, release and expiry lock the voucher
first too, instead of deadlocking against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Update,
    and_,
    bindparam,
    case,
    desc,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.sql.dml import ReturningUpdate

from voucher_engine.domain import events, lifecycle, validity
from voucher_engine.domain.events import Event
from voucher_engine.domain.hashing import fingerprint, verify_secret
from voucher_engine.domain.holds import Hold, HoldState, capture_split, hold_ttl
from voucher_engine.domain.ledger import EntryKind
from voucher_engine.domain.lifecycle import Action, State
from voucher_engine.domain.money import Money
from voucher_engine.domain.vouchers import RedeemRequest, Voucher
from voucher_engine.engine.base import EngineBase, Tx
from voucher_engine.engine.lifecycle_ops import append_entry
from voucher_engine.engine.moves import entry_params, with_entry
from voucher_engine.engine.results import HoldResult, Movement
from voucher_engine.engine.rows import STATES, hold_from_row, load_voucher, select_hold, voucher_from_row
from voucher_engine.errors import (
    Conflict,
    HoldExpired,
    HoldNotFound,
    HoldNotPending,
    IllegalTransition,
    InsufficientFunds,
    NothingToRedeem,
    VoucherLocked,
)
from voucher_engine.storage.direct import Direct
from voucher_engine.storage.tables import holds, ledger_entries, vouchers
from voucher_engine.storage.types import in_states

V, H, L = vouchers.c, holds.c, ledger_entries.c
_SPENDABLE = sorted(lifecycle.sources(Action.REDEEM))
_LATE = sorted(lifecycle.sources(Action.REDEEM_LATE))
_lock_open = or_(
    V.locked_until.is_(None),
    V.locked_until <= bindparam("b_now"),
    V.lock_code_hash == bindparam("b_lock"),
)
# The two outcomes of a redemption, taken from the lifecycle table, not written here again.
_USED_UP = lifecycle.redemption_target(0, 0).value
_LEFT_OVER = lifecycle.redemption_target(1, 0).value


def _after_spending(available: ColumnElement[int], held: ColumnElement[int]) -> ColumnElement[str]:
    return case((and_(available == 0, held == 0), _USED_UP), else_=_LEFT_OVER)


def _debit_where(enough: ColumnElement[bool]) -> ReturningUpdate[*tuple[Any, ...]]:
    return (
        update(vouchers)
        .where(V.id == bindparam("b_id"), enough, in_states(V.state, _SPENDABLE), _lock_open)
        .values(
            available=V.available - bindparam("b_units"),
            seq=V.seq + 1,
            state=_after_spending(V.available - bindparam("b_units"), V.held),
            updated_at=bindparam("b_now"),
        )
        .returning(V.available, V.held, V.seq, V.state)
    )


_debit = _debit_where(V.available >= bindparam("b_units"))
# Redeem everything: compare-and-set on the balance read in this transaction. If anything
# moved the balance meanwhile the statement matches nothing and the command runs again, so
# "everything" is never a stale amount, and of racing callers exactly one takes the rest.
_debit_all = _debit_where(and_(V.available == bindparam("b_units"), V.available > 0))

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

# A late redemption of an expired voucher: reinstate what the expiry forfeited and spend from
# it, in one statement, conditional on the voucher being exactly as read (seq and state).
_redeem_late = (
    update(vouchers)
    .where(
        V.id == bindparam("b_id"),
        V.seq == bindparam("b_seq"),
        in_states(V.state, _LATE),
        _lock_open,
    )
    .values(
        available=bindparam("b_available"),
        seq=V.seq + bindparam("b_steps"),
        state=bindparam("b_state"),
        updated_at=bindparam("b_now"),
    )
    .returning(V.available, V.held, V.seq, V.state)
)
_last_forfeit = (
    select(L.available_delta)
    .where(L.voucher_id == bindparam("b_id"), L.kind == EntryKind.FORFEIT.value)
    .order_by(desc(L.seq))
    .limit(1)
)


# Resolving a hold: the holds row is claimed first, conditionally on its state (and, for a
# capture, on its expiry), so capture, release and expiry each win at most once.
def _claim_capture_of(hold_param: str) -> Update:
    return (
        update(holds)
        .where(
            H.id == bindparam(hold_param),
            H.tenant_id == bindparam("b_tenant"),
            H.state == HoldState.PENDING.value,
            H.expires_at > bindparam("b_now"),
            H.amount >= bindparam("b_captured"),
        )
        .values(state=HoldState.CAPTURED.value, captured=bindparam("b_captured"), resolved_at=bindparam("b_now"))
        .returning(H.voucher_id, H.amount)
    )


_claim_capture = Direct(_claim_capture_of("b_id"))
_claim_release = (
    update(holds)
    .where(H.id == bindparam("b_id"), H.tenant_id == bindparam("b_tenant"), H.state == HoldState.PENDING.value)
    .values(state=HoldState.RELEASED.value, resolved_at=bindparam("b_now"))
    .returning(H.voucher_id, H.amount)
)
# Every pending hold of one voucher, for a replacing hold (the voucher row is locked first).
_claim_pending_of_voucher = (
    update(holds)
    .where(
        H.voucher_id == bindparam("b_voucher"), H.tenant_id == bindparam("b_tenant"), H.state == HoldState.PENDING.value
    )
    .values(state=HoldState.RELEASED.value, resolved_at=bindparam("b_now"))
    .returning(H.id, H.amount, H.expires_at)
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
_insert_hold = Direct(insert(holds), [c.key for c in holds.columns])
_MOVES = (_debit, _debit_all, _hold_funds, _settle_hold)
# The movements every redemption and hold sends, straight to the driver (storage/direct.py):
# on SQLite each alone, on PostgreSQL each with its ledger entry in one statement (moves.py).
_DIRECT: dict[Update, Direct] = {statement: Direct(statement) for statement in _MOVES}
_WITH_ENTRY: dict[Update, Direct] = {statement: Direct(with_entry(statement)) for statement in _MOVES}
# PostgreSQL: a capture's claim of the hold, the voucher's settlement and its ledger entry in
# one statement. The settlement runs only if the claim matched (``EXISTS`` on its CTE): a hold
# that is no longer pending, or expired, moves no money and writes no entry.
_claimed = _claim_capture_of("b_hold").cte("claimed")
_capture_and_settle = Direct(with_entry(_settle_hold.where(exists(select(_claimed.c.voucher_id)))))
_lock_voucher = select(V.id).where(V.id == bindparam("b_id")).with_for_update()


@dataclass(frozen=True, slots=True)
class _HeldAmount:
    voucher_id: str
    amount: int
    expires_at: datetime


_hold_with_voucher = Direct(
    select(vouchers, H.amount.label("hold_amount"), H.state.label("hold_state"), H.expires_at.label("hold_expires_at"))
    .join(holds, H.voucher_id == V.id)
    .where(H.id == bindparam("b_hold"), H.tenant_id == bindparam("b_tenant"), V.tenant_id == bindparam("b_tenant"))
    .with_for_update(of=vouchers)
)


@dataclass(frozen=True, slots=True)
class _Taken:
    """What a redemption took: the voucher as read, the units, the row after the UPDATE, and
    the units a late redemption reinstated first (0 otherwise)."""

    voucher: Voucher
    units: int
    row: Row[*tuple[Any, ...]]
    reinstated: int = 0
    #: The ledger entry's id when the movement's statement wrote it (PostgreSQL), else None.
    entry_id: int | None = None


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
        at: datetime | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Movement:
        """Spend ``amount`` (money for monetary vouchers, uses otherwise; one use by default).

        ``at``: the redemption happened at that (past) time, inside the voucher's validity; the
        ledger records it as ``effective_at`` beside the time it was written. An expired
        voucher may be redeemed this way (``InvalidRedemptionTime`` for a time in the future or
        outside every window).
        """
        return self._redemption(
            tenant_id,
            "redeem",
            code,
            voucher_id,
            RedeemRequest(amount, pin, store, locking_code),
            reference,
            at,
            idempotency_key,
            scope,
            everything=False,
        )

    def redeem_all(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        pin: str | None = None,
        store: str | None = None,
        locking_code: str | None = None,
        reference: str | None = None,
        at: datetime | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Movement:
        """Spend everything that is left (all remaining uses of a count-based voucher), in one
        conditional statement; ``NothingToRedeem`` when nothing is. ``at`` as for ``redeem``."""
        return self._redemption(
            tenant_id,
            "redeem_all",
            code,
            voucher_id,
            RedeemRequest(None, pin, store, locking_code),
            reference,
            at,
            idempotency_key,
            scope,
            everything=True,
        )

    def _redemption(
        self,
        tenant_id: str,
        operation: str,
        code: str | None,
        voucher_id: str | None,
        request: RedeemRequest,
        reference: str | None,
        at: datetime | None,
        idempotency_key: str | None,
        scope: str,
        *,
        everything: bool,
    ) -> Movement:
        if at is not None:
            at = validity.require_aware(at, "at")
        pin_ok = self._check_pin(tenant_id, code, voucher_id, request.pin)
        store = request.store

        def body(tx: Tx) -> Movement:
            taken = self._take_redemption(tx, code, voucher_id, request, pin_ok, at, everything, reference)
            voucher, units, row = taken.voucher, taken.units, taken.row
            effective = at if at is not None else tx.now
            if taken.reinstated:
                append_entry(
                    tx,
                    voucher,
                    row.seq - 1,
                    EntryKind.REINSTATE,
                    available_delta=taken.reinstated,
                    effective_at=effective,
                )
            entry_id = taken.entry_id
            if entry_id is None:
                entry_id = append_entry(
                    tx,
                    voucher,
                    row.seq,
                    EntryKind.REDEEM,
                    available_delta=-units,
                    spent=units,
                    reference=reference,
                    store=store,
                    effective_at=effective,
                )
            tx.emit(
                Event(
                    events.VOUCHER_REDEEMED,
                    voucher.id,
                    {
                        "code": voucher.code,
                        "amount": units,
                        "currency": voucher.currency,
                        "available": row.available,
                        "state": row.state,
                        "seq": row.seq,
                        "reference": reference,
                        "store": store,
                        "effective_at": effective.isoformat(),
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
                entry_id,
                effective,
            )

        amount = None if everything else request.amount
        return self._command(
            tenant_id,
            operation,
            body,
            Movement,
            request={
                **self._spend_request(code, voucher_id, amount, store, reference, request.pin, request.locking_code),
                "at": at.isoformat() if at is not None else None,
            },
            idempotency_key=idempotency_key,
            scope=scope,
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
        replace: bool = False,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> HoldResult:
        """Reserve ``amount`` now; capture, release or expiry settles it later, exactly once.

        ``replace=True``: release every pending hold on the voucher (``hold.released``, a
        ``release`` entry each) and hold the new amount, in one transaction; their ids are in
        ``HoldResult.released``. If the new hold is refused, nothing is released.
        """
        ttl = hold_ttl(ttl or self.config.default_hold_ttl, maximum=self.config.max_hold_ttl)
        request = RedeemRequest(amount, pin, store, locking_code)
        pin_ok = self._check_pin(tenant_id, code, voucher_id, pin)

        def body(tx: Tx) -> HoldResult:
            released: tuple[str, ...] = ()
            if replace:
                # The row lock comes first: a concurrent replacing hold waits here, and then sees
                # (and releases) the hold this one is about to create.
                voucher = load_voucher(tx.link, tenant_id, code=code, voucher_id=voucher_id, for_update=True)
                released = self._release_all_pending(tx, voucher.id)
            hold_id = self.ids.new("hld")
            voucher, units, row = self._take(
                tx,
                _hold_funds,
                code,
                voucher_id,
                request,
                pin_ok,
                entry=lambda n: entry_params(
                    tenant_id,
                    EntryKind.HOLD,
                    tx.now,
                    available_delta=-n,
                    held_delta=n,
                    hold_id=hold_id,
                    reference=reference,
                    store=store,
                ),
            )
            expires = tx.now + ttl
            hold_row = {
                "id": hold_id,
                "tenant_id": tenant_id,
                "voucher_id": voucher.id,
                "amount": units,
                "captured": 0,
                "state": HoldState.PENDING.value,
                "expires_at": expires,
                "reference": reference,
                "created_at": tx.now,
                "resolved_at": None,
            }
            if tx.dialect == "postgresql":
                # Nothing in this transaction reads the hold back: it travels with the COMMIT.
                tx.defer(_insert_hold, hold_row)
                entry_id = row.entry_id
            else:
                _insert_hold.run(tx.link, hold_row)
                entry_id = append_entry(
                    tx,
                    voucher,
                    row.seq,
                    EntryKind.HOLD,
                    available_delta=-units,
                    held_delta=units,
                    hold_id=hold_id,
                    reference=reference,
                    store=store,
                )
            tx.emit(
                Event(
                    events.HOLD_CREATED,
                    hold_id,
                    {
                        "voucher_id": voucher.id,
                        "code": voucher.code,
                        "amount": units,
                        "currency": voucher.currency,
                        "expires_at": expires.isoformat(),
                        "reference": reference,
                        "released": list(released),
                    },
                )
            )
            return HoldResult(
                hold_id,
                voucher.id,
                units,
                0,
                HoldState.PENDING,
                expires,
                row.available,
                row.held,
                STATES[row.state],
                row.seq,
                entry_id,
                reference,
                voucher.currency,
                tx.now,
                released,
            )

        return self._command(
            tenant_id,
            "hold",
            body,
            HoldResult,
            request={
                **self._spend_request(code, voucher_id, amount, store, reference, pin, locking_code),
                "ttl": ttl.total_seconds(),
                "replace": replace,
            },
            idempotency_key=idempotency_key,
            scope=scope,
        )

    def capture(
        self,
        tenant_id: str,
        hold_id: str,
        *,
        amount: Money | int | None = None,
        reference: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> HoldResult:
        """Spend all of a hold, or part of it with the rest released, unless it has expired.

        ``reference`` (an order number) is stored on the ``capture`` entry; the result names
        that entry (``seq``, ``entry_id``), which a later refund (``reverse``) points at.
        """

        def body(tx: Tx) -> HoldResult:
            # The hold and its voucher, the voucher locked (voucher before hold, as everywhere),
            # in one statement.
            found = _hold_with_voucher.first(tx.link, {"b_hold": hold_id, "b_tenant": tenant_id})
            if found is None:
                raise HoldNotFound("no such hold")
            if found.hold_state != HoldState.PENDING.value:
                raise HoldNotPending(f"the hold is already {found.hold_state}", state=found.hold_state)
            voucher = voucher_from_row(found)
            hold = _HeldAmount(voucher.id, found.hold_amount, found.hold_expires_at)
            captured, released = capture_split(hold.amount, None if amount is None else voucher.units_of(amount))
            if tx.dialect == "postgresql":
                row = _capture_and_settle.first(
                    tx.link,
                    {
                        "b_hold": hold_id,
                        "b_tenant": tenant_id,
                        "b_now": tx.now,
                        "b_captured": captured,
                        "b_id": hold.voucher_id,
                        "b_amount": hold.amount,
                        "b_back": released,
                        "b_spent": captured,
                        **entry_params(
                            tenant_id,
                            EntryKind.CAPTURE,
                            tx.now,
                            available_delta=released,
                            held_delta=-hold.amount,
                            spent=captured,
                            hold_id=hold_id,
                            reference=reference,
                        ),
                    },
                )
                if row is None:
                    self._explain_hold(tx, hold_id)
                    raise AssertionError("unreachable: _explain_hold raises")
                return self._settled(
                    tx,
                    row,
                    row.entry_id,
                    hold_id,
                    hold.voucher_id,
                    hold.amount,
                    captured,
                    HoldState.CAPTURED,
                    events.HOLD_CAPTURED,
                    hold.expires_at,
                    reference,
                )
            claimed = _claim_capture.first(
                tx.link, {"b_id": hold_id, "b_tenant": tenant_id, "b_now": tx.now, "b_captured": captured}
            )
            if claimed is None:
                self._explain_hold(tx, hold_id)
            return self._settle(
                tx,
                hold_id,
                hold.voucher_id,
                hold.amount,
                captured,
                EntryKind.CAPTURE,
                HoldState.CAPTURED,
                events.HOLD_CAPTURED,
                hold.expires_at,
                reference=reference,
            )

        return self._command(
            tenant_id,
            "capture",
            body,
            HoldResult,
            request={"hold_id": hold_id, "amount": _amount_key(amount), "reference": reference},
            idempotency_key=idempotency_key,
            scope=scope,
        )

    def release(
        self, tenant_id: str, hold_id: str, *, idempotency_key: str | None = None, scope: str = ""
    ) -> HoldResult:
        """Give a pending hold back in full."""

        def body(tx: Tx) -> HoldResult:
            self._lock_voucher_of_hold(tx, hold_id)
            claimed = tx.conn.execute(_claim_release, {"b_id": hold_id, "b_tenant": tenant_id, "b_now": tx.now}).first()
            if claimed is None:
                self._explain_hold(tx, hold_id)
            hold = hold_from_row(tx.conn.execute(select_hold(tenant_id, hold_id)).one())
            return self._settle(
                tx,
                hold_id,
                claimed.voucher_id,
                claimed.amount,
                0,
                EntryKind.RELEASE,
                HoldState.RELEASED,
                events.HOLD_RELEASED,
                hold.expires_at,
            )

        return self._command(
            tenant_id,
            "release",
            body,
            HoldResult,
            request={"hold_id": hold_id},
            idempotency_key=idempotency_key,
            scope=scope,
        )

    def expire_due_holds(self, *, limit: int = 500) -> int:
        """Release every pending hold whose time is up (any tenant); returns how many."""
        now = self.clock.now()
        due = self._read(
            lambda c: c.execute(
                select(H.tenant_id, H.id)
                .where(H.state == HoldState.PENDING.value, H.expires_at <= now)
                .order_by(H.expires_at)
                .limit(limit)
            ).all()
        )
        expired = 0
        for tenant_id, hold_id in due:
            if self.expire_hold(tenant_id, hold_id) is not None:
                expired += 1
        return expired

    def expire_hold(self, tenant_id: str, hold_id: str) -> HoldResult | None:
        """Expire one hold if it is pending and due; ``None`` if it was not (anymore)."""

        def body(tx: Tx) -> HoldResult | None:
            if not self._lock_voucher_of_hold(tx, hold_id, missing_ok=True):
                return None
            claimed = tx.conn.execute(_claim_expiry, {"b_id": hold_id, "b_tenant": tenant_id, "b_now": tx.now}).first()
            if claimed is None:
                return None
            hold = hold_from_row(tx.conn.execute(select_hold(tenant_id, hold_id)).one())
            return self._settle(
                tx,
                hold_id,
                claimed.voucher_id,
                claimed.amount,
                0,
                EntryKind.EXPIRE_HOLD,
                HoldState.EXPIRED,
                events.HOLD_EXPIRED,
                hold.expires_at,
            )

        # A union is a type form msgspec converts, but not a ``type`` to mypy.
        result_type = cast("type[HoldResult | None]", HoldResult | None)
        return self._command(tenant_id, "expire_hold", body, result_type)

    def get_hold(self, tenant_id: str, hold_id: str) -> Hold:
        row = self._read(lambda c: c.execute(select_hold(tenant_id, hold_id)).first())
        if row is None:
            raise HoldNotFound("no such hold")
        return hold_from_row(row)

    # --- helpers ----------------------------------------------------------------------------------

    def _check_pin(self, tenant_id: str, code: str | None, voucher_id: str | None, pin: str | None) -> bool:
        """Verify a PIN before the write transaction: scrypt is slow on purpose and must not
        run while SQLite's write lock is held. The PIN hash never changes, so this is safe."""
        if pin is None:
            return False
        voucher = self._read(lambda c: load_voucher(c, tenant_id, code=code, voucher_id=voucher_id))
        return voucher.pin_hash is not None and verify_secret(pin, voucher.pin_hash)

    @classmethod
    def _take(
        cls,
        tx: Tx,
        statement: Update,
        code: str | None,
        voucher_id: str | None,
        request: RedeemRequest,
        pin_ok: bool,
        *,
        entry: Callable[[int], dict[str, Any]],
    ) -> tuple[Voucher, int, Row[Any]]:
        """Check the voucher's rules, then move its units with ``statement`` (``_debit`` or
        ``_hold_funds``): the conditional UPDATE has the last word on balance, state and lock.
        On PostgreSQL the same statement writes the ledger entry ``entry(units)`` describes,
        and the row carries its ``entry_id``."""
        voucher = load_voucher(tx.link, tx.tenant_id, code=code, voucher_id=voucher_id)
        units = voucher.check_redeemable(request, tx.now, pin_ok=pin_ok)
        params = cls._spend_params(tx, voucher.id, units, request)
        sql = _DIRECT[statement]
        if tx.dialect == "postgresql":
            sql, params = _WITH_ENTRY[statement], {**params, **entry(units)}
        row = sql.first(tx.link, params)
        if row is None:
            cls._explain_refusal(tx, voucher.id, units, request.locking_code)
        return voucher, units, row

    @classmethod
    def _take_redemption(
        cls,
        tx: Tx,
        code: str | None,
        voucher_id: str | None,
        request: RedeemRequest,
        pin_ok: bool,
        at: datetime | None,
        everything: bool,
        reference: str | None,
    ) -> _Taken:
        """The spending step of ``redeem`` and ``redeem_all``, at ``at`` when it is stated. On
        PostgreSQL an on-time redemption writes its ledger entry in the same statement."""

        def spend(statement: Update, units: int) -> Row[Any] | None:
            params = cls._spend_params(tx, voucher.id, units, request)
            sql = _DIRECT[statement]
            if tx.dialect == "postgresql":
                sql = _WITH_ENTRY[statement]
                params |= entry_params(
                    tx.tenant_id,
                    EntryKind.REDEEM,
                    tx.now,
                    available_delta=-units,
                    spent=units,
                    reference=reference,
                    store=request.store,
                    effective_at=at,
                )
            return sql.first(tx.link, params)

        voucher = load_voucher(tx.link, tx.tenant_id, code=code, voucher_id=voucher_id)
        if at is not None:
            validity.stated_time(voucher.windows, at, tx.now)
            if voucher.state in lifecycle.sources(Action.REDEEM_LATE):
                return cls._take_late(tx, voucher, request, pin_ok, at, everything)
        if not everything:
            units = voucher.check_redeemable(request, tx.now, pin_ok=pin_ok, valid_at=at)
            row = spend(_debit, units)
            if row is None:
                cls._explain_refusal(tx, voucher.id, units, request.locking_code)
            return _Taken(voucher, units, row, entry_id=getattr(row, "entry_id", None))
        _require_something_left(voucher)
        lifecycle.require(voucher.state, Action.REDEEM)  # before the domain sees an amount of 0
        units = voucher.available
        voucher.check_redeemable(_asking(request, voucher, units), tx.now, pin_ok=pin_ok, valid_at=at)
        row = spend(_debit_all, units)
        if row is None:
            _require_something_left(load_voucher(tx.link, tx.tenant_id, voucher_id=voucher.id))
            cls._explain_refusal(tx, voucher.id, units, request.locking_code, everything=True)
        return _Taken(voucher, units, row, entry_id=getattr(row, "entry_id", None))

    @classmethod
    def _take_late(
        cls, tx: Tx, voucher: Voucher, request: RedeemRequest, pin_ok: bool, at: datetime, everything: bool
    ) -> _Taken:
        """Redeem an expired voucher at a stated time inside its validity: what the expiry
        forfeited comes back (a ``reinstate`` entry) and the redemption spends from it."""
        forfeited = tx.conn.execute(_last_forfeit, {"b_id": voucher.id}).scalar()
        reinstated = -forfeited if forfeited else 0
        pool = voucher.available + reinstated
        if everything:
            if pool == 0:
                raise NothingToRedeem("nothing is left on this voucher")
            units = pool
            voucher.check_redeemable(_asking(request, voucher, units), tx.now, pin_ok=pin_ok, valid_at=at)
        else:
            units = voucher.check_redeemable(request, tx.now, pin_ok=pin_ok, valid_at=at)
        if units > pool:
            raise InsufficientFunds(f"{units} requested, {pool} available", available=pool)
        target = lifecycle.transition(
            voucher.state, Action.REDEEM_LATE, lifecycle.redemption_target(pool - units, voucher.held)
        )
        row = tx.conn.execute(
            _redeem_late,
            {
                **cls._spend_params(tx, voucher.id, units, request),
                "b_seq": voucher.seq,
                "b_available": pool - units,
                "b_steps": 2 if reinstated else 1,
                "b_state": target.value,
            },
        ).first()
        if row is None:
            current = load_voucher(tx.link, tx.tenant_id, voucher_id=voucher.id)
            if current.state is voucher.state and current.seq == voucher.seq:
                raise VoucherLocked("the voucher is locked", locked_until=current.locked_until)
            # Someone changed the voucher since it was read: decide again on the new row.
            raise Conflict("the voucher changed during a late redemption; try again")
        return _Taken(voucher, units, row, reinstated)

    @staticmethod
    def _spend_params(tx: Tx, voucher_id: str, units: int, request: RedeemRequest) -> dict[str, Any]:
        lock = fingerprint(request.locking_code) if request.locking_code is not None else None
        return {"b_id": voucher_id, "b_units": units, "b_now": tx.now, "b_lock": lock}

    @staticmethod
    def _spend_request(
        code: str | None,
        voucher_id: str | None,
        amount: Money | int | None,
        store: str | None,
        reference: str | None,
        pin: str | None,
        locking_code: str | None,
    ) -> dict[str, Any]:
        return {
            "code": code,
            "voucher_id": voucher_id,
            "amount": _amount_key(amount),
            "store": store,
            "reference": reference,
            "pin": pin is not None,
            "lock": fingerprint(locking_code) if locking_code else None,
        }

    @staticmethod
    def _explain_refusal(
        tx: Tx, voucher_id: str, units: int, locking_code: str | None, *, everything: bool = False
    ) -> NoReturn:
        """The conditional UPDATE matched nothing: say why, from the row as it is now."""
        current = load_voucher(tx.link, tx.tenant_id, voucher_id=voucher_id)
        if current.state not in lifecycle.sources(Action.REDEEM):
            lifecycle.require(current.state, Action.REDEEM)
        if current.is_locked(tx.now) and (locking_code is None or fingerprint(locking_code) != current.lock_code_hash):
            raise VoucherLocked("the voucher is locked", locked_until=current.locked_until)
        if everything:
            # The compare-and-set of redeem_all missed: the balance moved since it was read.
            raise Conflict("the balance changed while redeeming everything; try again")
        raise InsufficientFunds(f"{units} requested, {current.available} available", available=current.available)

    def _pending_hold(self, tx: Tx, hold_id: str) -> Hold:
        row = tx.conn.execute(select_hold(tx.tenant_id, hold_id)).first()
        if row is None:
            raise HoldNotFound("no such hold")
        hold = hold_from_row(row)
        if hold.state is not HoldState.PENDING:
            raise HoldNotPending(f"the hold is already {hold.state.value}", state=hold.state.value)
        return hold

    @staticmethod
    def _lock_voucher_of_hold(tx: Tx, hold_id: str, *, missing_ok: bool = False) -> bool:
        """Lock the voucher row of a hold (voucher before hold, see the module docstring)."""
        row = tx.conn.execute(select(H.voucher_id).where(H.id == hold_id, H.tenant_id == tx.tenant_id)).first()
        if row is None:
            if missing_ok:
                return False
            raise HoldNotFound("no such hold")
        tx.conn.execute(_lock_voucher, {"b_id": row.voucher_id})
        return True

    def _release_all_pending(self, tx: Tx, voucher_id: str) -> tuple[str, ...]:
        released = tx.conn.execute(
            _claim_pending_of_voucher,
            {
                "b_voucher": voucher_id,
                "b_tenant": tx.tenant_id,
                "b_now": tx.now,
            },
        ).all()
        for hold in sorted(released, key=lambda r: r.id):
            self._settle(
                tx,
                hold.id,
                voucher_id,
                hold.amount,
                0,
                EntryKind.RELEASE,
                HoldState.RELEASED,
                events.HOLD_RELEASED,
                hold.expires_at,
            )
        return tuple(sorted(r.id for r in released))

    @staticmethod
    def _explain_hold(tx: Tx, hold_id: str) -> NoReturn:
        row = tx.conn.execute(select_hold(tx.tenant_id, hold_id)).first()
        if row is None:
            raise HoldNotFound("no such hold")
        if row.state != HoldState.PENDING.value:
            raise HoldNotPending(f"the hold is already {row.state}", state=row.state)
        if row.expires_at <= tx.now:
            raise HoldExpired("the hold has expired")
        raise IllegalTransition("the hold cannot be resolved this way")

    def _settle(
        self,
        tx: Tx,
        hold_id: str,
        voucher_id: str,
        amount: int,
        captured: int,
        kind: EntryKind,
        state: HoldState,
        event_type: str,
        expires_at: datetime,
        *,
        reference: str | None = None,
    ) -> HoldResult:
        back = amount - captured
        params = {"b_id": voucher_id, "b_amount": amount, "b_back": back, "b_spent": captured, "b_now": tx.now}
        if tx.dialect == "postgresql":  # the entry in the same statement (engine/moves.py)
            row = _WITH_ENTRY[_settle_hold].one(
                tx.link,
                {
                    **params,
                    **entry_params(
                        tx.tenant_id,
                        kind,
                        tx.now,
                        available_delta=back,
                        held_delta=-amount,
                        spent=captured,
                        hold_id=hold_id,
                        reference=reference,
                    ),
                },
            )
            entry_id = row.entry_id
        else:
            row = _DIRECT[_settle_hold].one(tx.link, params)
            entry_id = append_entry(
                tx,
                voucher_id,
                row.seq,
                kind,
                available_delta=back,
                held_delta=-amount,
                spent=captured,
                hold_id=hold_id,
                reference=reference,
            )
        return self._settled(
            tx, row, entry_id, hold_id, voucher_id, amount, captured, state, event_type, expires_at, reference
        )

    @staticmethod
    def _settled(
        tx: Tx,
        row: Row[Any],
        entry_id: int,
        hold_id: str,
        voucher_id: str,
        amount: int,
        captured: int,
        state: HoldState,
        event_type: str,
        expires_at: datetime,
        reference: str | None,
    ) -> HoldResult:
        """The event and the result of a settled hold, from the voucher's row after it."""
        back = amount - captured
        tx.emit(
            Event(
                event_type,
                hold_id,
                {
                    "voucher_id": voucher_id,
                    "code": row.code,
                    "amount": amount,
                    "captured": captured,
                    "released": back,
                    "currency": row.currency,
                    "state": row.state,
                    "seq": row.seq,
                    "reference": reference,
                },
            )
        )
        return HoldResult(
            hold_id,
            voucher_id,
            amount,
            captured,
            state,
            expires_at,
            row.available,
            row.held,
            STATES[row.state],
            row.seq,
            entry_id,
            reference,
            row.currency,
            tx.now,
        )


def _require_something_left(voucher: Voucher) -> None:
    """``redeem_all`` of a voucher whose balance is spent (or held): ``NothingToRedeem``."""
    if voucher.available == 0 and (
        voucher.state in lifecycle.sources(Action.REDEEM) or voucher.state is State.REDEEMED
    ):
        raise NothingToRedeem("nothing is left on this voucher", state=voucher.state.value)


def _asking(request: RedeemRequest, voucher: Voucher, units: int) -> RedeemRequest:
    """``request`` asking for exactly ``units`` of ``voucher`` (for the domain's checks)."""
    amount: Money | int = units
    if voucher.monetary:
        assert voucher.currency is not None  # a monetary voucher always has one
        amount = Money(units, voucher.currency)
    return RedeemRequest(amount, request.pin, request.store, request.locking_code)


def _amount_key(amount: Money | int | None) -> object:
    return [amount.minor, amount.currency] if isinstance(amount, Money) else amount
