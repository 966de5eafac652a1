"""Claims: binding vouchers to a holder, one at a time or up to N at once (optionally locked).

The holder check is one conditional ``UPDATE``: the row is claimed only while it is available
and nobody else holds it, decided by the database on the current row under its row lock, so
two holders racing for one voucher can never both get it. A batch claims its vouchers in the
order of their ids, so two batches over overlapping sets take their row locks in the same
order and cannot deadlock; the batch is one transaction, so it gets all its vouchers or none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import bindparam, literal_column, or_, update

from voucher_engine.domain import events, lifecycle
from voucher_engine.domain.events import Event
from voucher_engine.domain.hashing import fingerprint
from voucher_engine.domain.lifecycle import Action, State
from voucher_engine.domain.vouchers import Voucher, VoucherRef
from voucher_engine.engine.base import Tx
from voucher_engine.engine.locks import LockOperations
from voucher_engine.engine.rows import load_voucher
from voucher_engine.errors import (
    Conflict,
    HeldByAnother,
    ValidationError,
    VoucherEngineError,
    VoucherNotFound,
)
from voucher_engine.storage.tables import vouchers
from voucher_engine.storage.types import in_states

V = vouchers.c
#: Where a holder may already have a voucher that it claims again (answered unchanged).
_STILL_HELD = lifecycle.sources(Action.REDEEM) | {State.CLAIMED}

_take_holder = (
    update(vouchers)
    .where(
        V.id == bindparam("b_id"),
        in_states(V.state, lifecycle.sources(Action.CLAIM)),
        or_(V.holder.is_(None), V.holder == bindparam("b_holder")),
    )
    .values(
        holder=bindparam("b_holder"), state=literal_column(f"'{State.CLAIMED.value}'"), updated_at=bindparam("b_now")
    )
    .returning(V.state)
)


def _check_holder(holder: str) -> str:
    if not isinstance(holder, str) or not 0 < len(holder) <= 255:
        raise ValidationError("a holder is 1 to 255 characters")
    return holder


def _blame(error: VoucherEngineError, ref: VoucherRef, index: int) -> VoucherEngineError:
    """Say which voucher of a batch the error is about (``error.ref``, ``details``)."""
    error.ref = ref  # type: ignore[attr-defined]  # only a batch's errors carry the voucher they are about
    error.details.update(ref=ref, index=index)
    return error


def resolve_ref(tx: Tx, ref: VoucherRef) -> Voucher:
    """The voucher ``ref`` names in the transaction's tenant; every part given must agree."""
    if ref.voucher_id is not None:
        voucher = load_voucher(tx.link, tx.tenant_id, voucher_id=ref.voucher_id)
    elif ref.public_id is not None:
        voucher = load_voucher(tx.link, tx.tenant_id, public_id=ref.public_id)
    elif ref.code is not None:
        voucher = load_voucher(tx.link, tx.tenant_id, code=ref.code)
    else:
        voucher = load_voucher(tx.link, tx.tenant_id, third_party_id=ref.third_party_id)
    if not ref.matches(voucher):
        raise VoucherNotFound("no voucher matches every id given")
    return voucher


class ClaimOperations(LockOperations):
    def claim(
        self,
        tenant_id: str,
        *,
        holder: str,
        code: str | None = None,
        voucher_id: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """Bind an available voucher to a holder (a user or customer reference).

        A voucher held by someone else raises ``HeldByAnother``; claiming it again for the
        same holder returns it unchanged, without a second event.
        """
        _check_holder(holder)

        def body(tx: Tx) -> Voucher:
            return self._claim_in(tx, load_voucher(tx.link, tenant_id, code=code, voucher_id=voucher_id), holder)

        return self._command(
            tenant_id,
            Action.CLAIM.value,
            body,
            Voucher,
            request={"code": code, "voucher_id": voucher_id, "values": {"holder": holder}, "merge": None},
            idempotency_key=idempotency_key,
            scope=scope,
        )

    def claim_vouchers(
        self,
        tenant_id: str,
        *,
        holder: str,
        vouchers: Sequence[VoucherRef],
        lock_period: timedelta | None = None,
        locking_code: str | None = None,
        lock: bool = False,
        max_count: int = 10,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> list[Voucher]:
        """Claim up to ``max_count`` vouchers for ``holder`` in one transaction: all or none.

        With ``lock=True`` each is also locked for ``lock_period`` (the engine's
        ``LockPolicy`` default when ``None``), bound to ``locking_code`` when given. Returns the
        vouchers in the order of ``vouchers``. An error names the voucher it is about:
        ``error.ref`` (the ``VoucherRef``) and ``error.details["index"]``.
        """
        _check_holder(holder)
        refs = list(vouchers)
        if not refs or len(refs) > max_count:
            raise ValidationError(f"claim 1 to {max_count} vouchers at once", count=len(refs))
        for index, ref in enumerate(refs):
            if not isinstance(ref, VoucherRef):
                raise ValidationError("vouchers are VoucherRef objects", index=index)
        if lock:
            period: timedelta | None = self.config.lock_policy.period(lock_period)
        elif lock_period is not None or locking_code is not None:
            raise ValidationError("a lock period or locking code needs lock=True")
        else:
            period = None
        lock_hash = fingerprint(locking_code) if locking_code is not None else None

        def body(tx: Tx) -> list[Voucher]:
            found: list[Voucher] = []
            first_ref: dict[str, tuple[int, VoucherRef]] = {}
            for index, ref in enumerate(refs):
                try:
                    voucher = resolve_ref(tx, ref)
                except VoucherEngineError as error:
                    raise _blame(error, ref, index) from None
                found.append(voucher)
                first_ref.setdefault(voucher.id, (index, ref))
            done: dict[str, Voucher] = {}
            # Row locks in id order: overlapping batches queue up instead of deadlocking.
            for voucher in sorted({v.id: v for v in found}.values(), key=lambda v: v.id):
                index, ref = first_ref[voucher.id]
                try:
                    claimed = self._claim_in(tx, voucher, holder)
                    if period is not None:
                        claimed = self._lock_in(tx, claimed, period, lock_hash, holder)
                except VoucherEngineError as error:
                    raise _blame(error, ref, index) from None
                done[voucher.id] = claimed
            return [done[v.id] for v in found]

        request = {
            "holder": holder,
            "vouchers": [dataclasses.asdict(r) for r in refs],
            "lock": lock,
            "period": period.total_seconds() if period else None,
            "lock_code": lock_hash,
        }
        return self._command(
            tenant_id,
            "claim_vouchers",
            body,
            list[Voucher],
            request=request,
            idempotency_key=idempotency_key,
            scope=scope,
        )

    def _claim_in(self, tx: Tx, voucher: Voucher, holder: str) -> Voucher:
        """Claim ``voucher`` for ``holder`` in ``tx``: the conditional UPDATE decides."""
        taken = tx.conn.execute(_take_holder, {"b_id": voucher.id, "b_holder": holder, "b_now": tx.now}).first()
        if taken is not None:
            tx.emit(
                Event(
                    events.VOUCHER_CLAIMED,
                    voucher.id,
                    {
                        "code": voucher.code,
                        "state": State.CLAIMED.value,
                        "from": voucher.state.value,
                        "holder": holder,
                    },
                )
            )
            return dataclasses.replace(voucher, holder=holder, state=State.CLAIMED, updated_at=tx.now)
        # Refused: read the row as it is now to say why.
        current = load_voucher(tx.link, tx.tenant_id, voucher_id=voucher.id)
        if current.holder is not None and current.holder != holder:
            raise HeldByAnother("the voucher is held by another holder")
        if current.holder == holder and current.state in _STILL_HELD:
            return current  # claimed before by the same holder: nothing to do, no event
        lifecycle.transition(current.state, Action.CLAIM, State.CLAIMED)
        raise Conflict("the voucher changed while it was claimed; try again")
