"""Spending sessions as engine operations: open, spend, buy a voucher, release.

A spend is one conditional UPDATE (``reserved + :amount <= amount``, the session still open
and unexpired), so any number of parallel spends on one session, in any number of processes,
can never reserve more than its amount: the database decides, not a read before the write.
A check constraint on the table says the same once more.

``buy_with_session`` is one command: the spend, the voucher it buys and the voucher's jobs
commit together or not at all, so a crash between the steps cannot end a session with nothing
bought (and no compensating undo is needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, insert, select, update

from voucher_engine.domain.lifecycle import State
from voucher_engine.domain.money import Money
from voucher_engine.domain.sessions import SpendingSession
from voucher_engine.domain.vouchers import Voucher, VoucherSpec
from voucher_engine.engine import codec
from voucher_engine.engine.base import EngineBase, Tx
from voucher_engine.engine.voucher_jobs import VoucherJob, queue_voucher_jobs
from voucher_engine.errors import (
    SessionAmountExceeded,
    SessionEnded,
    SessionExpired,
    SessionNotFound,
    ValidationError,
)
from voucher_engine.storage.session_tables import spending_sessions

if TYPE_CHECKING:
    from voucher_engine.engine.engine import Engine

S = spending_sessions.c


def _session(row: Any) -> SpendingSession:
    return SpendingSession(
        row.tenant_id,
        row.id,
        row.owner,
        row.reference,
        Money(row.amount, row.currency),
        Money(row.reserved, row.currency),
        row.subject,
        row.created_at,
        row.expires_at,
        row.ended_at,
        row.released_at,
    )


def _load(conn: Connection, tenant_id: str, session_id: str) -> SpendingSession:
    row = conn.execute(select(spending_sessions).where(S.tenant_id == tenant_id, S.id == session_id)).first()
    if row is None:
        raise SessionNotFound(f"no session {session_id!r}")
    return _session(row)


class SessionOperations(EngineBase):
    def open_session(
        self,
        tenant_id: str,
        session_id: str,
        *,
        owner: str,
        reference: str,
        amount: Money,
        expires_at: datetime,
    ) -> SpendingSession:
        """Open a session of ``amount`` until ``expires_at``; ``AlreadyExists`` for a used id."""
        if amount.minor <= 0:
            raise ValidationError("a session amount is positive")
        if not (0 < len(session_id) <= 64 and 0 < len(owner) <= 64 and 0 < len(reference) <= 255):
            raise ValidationError("a session needs an id, an owner and a reference of sensible length")

        def body(tx: Tx) -> SpendingSession:
            self._require_tenant(tx.conn, tenant_id)
            tx.conn.execute(
                insert(spending_sessions),
                {
                    "tenant_id": tenant_id,
                    "id": session_id,
                    "owner": owner,
                    "reference": reference,
                    "currency": amount.currency,
                    "amount": amount.minor,
                    "reserved": 0,
                    "subject": None,
                    "created_at": tx.now,
                    "expires_at": expires_at,
                    "ended_at": None,
                    "released_at": None,
                },
            )
            return _load(tx.conn, tenant_id, session_id)

        request = {
            "session": session_id,
            "owner": owner,
            "reference": reference,
            "amount": codec.dump(amount),
            "expires_at": expires_at,
        }
        return self._command(tenant_id, "open_session", body, SpendingSession, request=request)

    def get_session(self, tenant_id: str, session_id: str) -> SpendingSession:
        return self._read(lambda conn: _load(conn, tenant_id, session_id))

    def spend_session(
        self,
        tenant_id: str,
        session_id: str,
        amount: Money,
        *,
        subject: str,
        end: bool = True,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> SpendingSession:
        """Reserve ``amount`` of the session for ``subject`` (and, with ``end``, close the
        session to further spends), or raise why not. All or nothing, atomically."""

        def body(tx: Tx) -> SpendingSession:
            self._spend_session_in(tx, session_id, amount, subject=subject, end=end)
            return _load(tx.conn, tenant_id, session_id)

        request = {"session": session_id, "amount": codec.dump(amount), "subject": subject, "end": end}
        return self._command(
            tenant_id,
            "spend_session",
            body,
            SpendingSession,
            request=request,
            idempotency_key=idempotency_key,
            scope=scope,
        )

    def buy_with_session(
        self,
        tenant_id: str,
        session_id: str,
        spec: VoucherSpec,
        *,
        price: Money,
        state: State = State.AVAILABLE,
        holder: str | None = None,
        offer_id: str | None = None,
        campaign_id: str | None = None,
        jobs: Sequence[VoucherJob] = (),
        end_session: bool = True,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """Spend ``price`` of the session (ending it, unless ``end_session=False``), issue the
        voucher it buys and queue the voucher's ``jobs``, in one transaction. The session's
        ``subject`` becomes the voucher's id, which ``release_session`` takes back."""

        def body(tx: Tx) -> Voucher:
            self._spend_session_in(tx, session_id, price, subject=None, end=end_session)
            # The same transaction (issue joins it): a failure from here on undoes the spend.
            engine = cast("Engine", self)  # this mixin is only ever part of the Engine, which issues
            voucher = engine.issue(
                tenant_id, spec, state=state, holder=holder, offer_id=offer_id, campaign_id=campaign_id
            )
            tx.conn.execute(
                update(spending_sessions).where(S.tenant_id == tenant_id, S.id == session_id).values(subject=voucher.id)
            )
            queue_voucher_jobs(tx, voucher.id, jobs)
            return voucher

        request = {
            "session": session_id,
            "price": codec.dump(price),
            "spec": {**codec.dump(spec), "pin": spec.pin is not None},
            "state": str(state),
            "holder": holder,
            "offer_id": offer_id,
            "campaign_id": campaign_id,
            "jobs": [codec.dump(j) for j in jobs],
            "end_session": end_session,
        }
        return self._command(
            tenant_id, "buy_with_session", body, Voucher, request=request, idempotency_key=idempotency_key, scope=scope
        )

    def release_session(self, tenant_id: str, session_id: str, *, subject: str) -> bool:
        """Give back what ``subject`` reserved (its voucher expired or was cancelled). The
        session stays ended; True the first time only."""

        def body(tx: Tx) -> bool:
            return (
                tx.conn.execute(
                    update(spending_sessions)
                    .where(S.tenant_id == tenant_id, S.id == session_id, S.subject == subject, S.released_at.is_(None))
                    .values(reserved=0, released_at=tx.now)
                ).rowcount
                == 1
            )

        return self._command(
            tenant_id, "release_session", body, bool, request={"session": session_id, "subject": subject}
        )

    def undo_purchase(
        self,
        tenant_id: str,
        session_id: str,
        *,
        voucher_id: str,
        subject: str | None = None,
        expire: bool = False,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> Voucher:
        """Cancel the voucher a session bought (``expire``: expire it) and give the session back
        what it reserved (``release_session`` for ``subject``, by default the voucher's id), in
        one transaction: never a voucher gone while its session still holds its amount, nor a
        session released for a voucher that stays. ``IllegalTransition`` when the voucher can no
        longer be cancelled (or expired); then nothing is released."""

        def body(tx: Tx) -> Voucher:
            # Both join this transaction (savepoints), each with its own veto and events.
            engine = cast("Engine", self)  # this mixin is only ever part of the Engine
            change = engine.expire if expire else engine.cancel
            voucher = change(tenant_id, voucher_id=voucher_id)
            self.release_session(tenant_id, session_id, subject=subject or voucher_id)
            return voucher

        request = {"session": session_id, "voucher": voucher_id, "subject": subject or voucher_id, "expire": expire}
        return self._command(
            tenant_id, "undo_purchase", body, Voucher, request=request, idempotency_key=idempotency_key, scope=scope
        )

    # --- inside a command ------------------------------------------------------------------------

    def _spend_session_in(self, tx: Tx, session_id: str, amount: Money, *, subject: str | None, end: bool) -> None:
        if amount.minor <= 0:
            raise ValidationError("a spend is positive")
        values: dict[str, Any] = {"reserved": S.reserved + amount.minor, "subject": subject}
        if end:
            values["ended_at"] = tx.now
        changed = tx.conn.execute(
            update(spending_sessions)
            .where(
                S.tenant_id == tx.tenant_id,
                S.id == session_id,
                S.currency == amount.currency,
                S.ended_at.is_(None),
                S.expires_at > tx.now,
                S.reserved + amount.minor <= S.amount,
            )
            .values(**values)
        ).rowcount
        if changed != 1:
            self._explain_session_refusal(tx, session_id, amount)

    @staticmethod
    def _explain_session_refusal(tx: Tx, session_id: str, amount: Money) -> None:
        """Why a spend was refused. Read after the refusal, only to name the reason: the
        refusal itself was decided by the UPDATE."""
        session = _load(tx.conn, tx.tenant_id, session_id)
        if session.ended_at is not None:
            raise SessionEnded("this session has already been used")
        if tx.now >= session.expires_at:
            raise SessionExpired("this session has expired")
        if session.amount.currency != amount.currency:
            raise SessionAmountExceeded(f"this session is in {session.amount.currency}")
        raise SessionAmountExceeded(
            f"{amount.format()} {amount.currency} exceeds what is left of the session "
            f"({session.remaining.format()} {session.amount.currency})"
        )
