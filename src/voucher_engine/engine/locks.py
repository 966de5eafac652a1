"""Locks: a whole voucher kept for one caller for a while, optionally bound to a locking code
(a basket) that a redemption must present. A lock ends by ``unlock`` or simply by time."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, or_, update

from voucher_engine.domain import events, lifecycle
from voucher_engine.domain.events import Event
from voucher_engine.domain.hashing import fingerprint
from voucher_engine.domain.lifecycle import Action, State
from voucher_engine.domain.vouchers import Voucher
from voucher_engine.engine.base import EngineBase, Tx
from voucher_engine.engine.rows import load_voucher
from voucher_engine.errors import NotLocked, VoucherLocked
from voucher_engine.storage.tables import vouchers
from voucher_engine.storage.types import in_states

V = vouchers.c
_LOCKABLE = sorted(lifecycle.sources(Action.REDEEM) | {State.AVAILABLE})

_take_lock = (
    update(vouchers)
    .where(
        V.id == bindparam("b_id"),
        in_states(V.state, _LOCKABLE),
        or_(V.locked_until.is_(None), V.locked_until <= bindparam("b_now")),
    )
    .values(locked_until=bindparam("b_until"), lock_code_hash=bindparam("b_lock"), updated_at=bindparam("b_now"))
    .returning(V.id)
)
_drop_lock = (
    update(vouchers)
    .where(
        V.id == bindparam("b_id"),
        V.locked_until > bindparam("b_now"),
        or_(V.lock_code_hash.is_(None), V.lock_code_hash == bindparam("b_lock")),
    )
    .values(locked_until=None, lock_code_hash=None, updated_at=bindparam("b_now"))
    .returning(V.id)
)
#: Administrative unlock: any running lock, whatever code it is bound to.
_force_drop_lock = (
    update(vouchers)
    .where(V.id == bindparam("b_id"), V.locked_until > bindparam("b_now"))
    .values(locked_until=None, lock_code_hash=None, updated_at=bindparam("b_now"))
    .returning(V.id)
)


class LockOperations(EngineBase):
    def lock(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        period: timedelta | None = None,
        locking_code: str | None = None,
        holder: str | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """Lock a voucher for ``period`` (the policy's default when ``None``)."""
        period = self.config.lock_policy.period(period)
        lock_hash = fingerprint(locking_code) if locking_code is not None else None

        def body(tx: Tx) -> Voucher:
            voucher = load_voucher(tx.link, tenant_id, code=code, voucher_id=voucher_id)
            return self._lock_in(tx, voucher, period, lock_hash, holder)

        return self._command(
            tenant_id,
            "lock",
            body,
            Voucher,
            request={
                "code": code,
                "voucher_id": voucher_id,
                "period": period.total_seconds(),
                "lock": lock_hash,
                "holder": holder,
            },
            idempotency_key=idempotency_key,
            scope=scope,
        )

    def _lock_in(
        self, tx: Tx, voucher: Voucher, period: timedelta, lock_hash: str | None, holder: str | None
    ) -> Voucher:
        until = tx.now + period
        taken = tx.conn.execute(
            _take_lock,
            {
                "b_id": voucher.id,
                "b_now": tx.now,
                "b_until": until,
                "b_lock": lock_hash,
            },
        ).first()
        if taken is None:
            current = load_voucher(tx.link, tx.tenant_id, voucher_id=voucher.id)
            if current.is_locked(tx.now):
                raise VoucherLocked("the voucher is already locked", locked_until=current.locked_until)
            lifecycle.require(current.state, Action.REDEEM)
        tx.emit(
            Event(
                events.VOUCHER_LOCKED,
                voucher.id,
                {
                    "code": voucher.code,
                    "locked_until": until.isoformat(),
                    "holder": holder,
                },
            )
        )
        return dataclasses.replace(voucher, locked_until=until, lock_code_hash=lock_hash, updated_at=tx.now)

    def unlock(
        self,
        tenant_id: str,
        *,
        code: str | None = None,
        voucher_id: str | None = None,
        locking_code: str | None = None,
        force: bool = False,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """End a lock early; the lock and its locking-code binding are both cleared.

        A lock bound to a locking code needs that code, unless ``force=True`` (an
        administrative unlock, for staff: no code needed, ``locking_code`` is ignored).
        """
        lock_hash = fingerprint(locking_code) if locking_code is not None and not force else None

        def body(tx: Tx) -> Voucher:
            voucher = load_voucher(tx.link, tenant_id, code=code, voucher_id=voucher_id)
            params = {"b_id": voucher.id, "b_now": tx.now, "b_lock": lock_hash}
            dropped = tx.conn.execute(_force_drop_lock if force else _drop_lock, params).first()
            if dropped is None:
                current = load_voucher(tx.link, tenant_id, voucher_id=voucher.id)
                if not current.is_locked(tx.now):
                    raise NotLocked("the voucher is not locked")
                raise VoucherLocked("the locking code does not match", locked_until=current.locked_until)
            tx.emit(Event(events.VOUCHER_UNLOCKED, voucher.id, {"code": voucher.code, "forced": force}))
            return dataclasses.replace(voucher, locked_until=None, lock_code_hash=None, updated_at=tx.now)

        request: dict[str, Any] = {"code": code, "voucher_id": voucher_id, "lock": lock_hash}
        if force:  # keeps the hash of requests saved before ``force`` existed
            request["force"] = True
        return self._command(
            tenant_id,
            "unlock",
            body,
            Voucher,
            request=request,
            idempotency_key=idempotency_key,
            scope=scope,
        )
