"""Spending sessions: a budget (an amount of one currency, for a limited time) that one or
more spends draw on, never beyond it. Jackpot's reservation sessions are built on it.

A spend is one conditional UPDATE (``reserved + :amount <= amount``, the session still open
and unexpired), so any number of parallel spends on one session, in any number of processes,
can never reserve more than its amount: the database decides, not a read before the write.
A check constraint on the table says the same once more. Framework-neutral, like the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from voucher_engine.domain.money import Money
from voucher_engine.engine import Engine
from voucher_engine.errors import NotFound, Rejected, ValidationError
from voucher_engine.storage.session_tables import spending_sessions

S = spending_sessions.c


class SessionNotFound(NotFound):
    code = "session_not_found"


class SessionEnded(Rejected):
    code = "session_ended"


class SessionExpired(Rejected):
    code = "session_expired"


class SessionAmountExceeded(Rejected):
    code = "session_amount_exceeded"


@dataclass(frozen=True, slots=True)
class SpendingSession:
    tenant_id: str
    id: str
    owner: str
    reference: str
    amount: Money
    reserved: Money
    subject: str | None
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    released_at: datetime | None

    @property
    def remaining(self) -> Money:
        return self.amount - self.reserved

    def open_at(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at


def _session(row) -> SpendingSession:  # noqa: ANN001
    return SpendingSession(
        row.tenant_id, row.id, row.owner, row.reference, Money(row.amount, row.currency),
        Money(row.reserved, row.currency), row.subject, row.created_at, row.expires_at,
        row.ended_at, row.released_at,
    )


class SpendingSessions:
    """Spending sessions on one engine's database and clock."""

    def __init__(self, engine: Engine) -> None:
        self._db = engine.db
        self._clock = engine.clock

    def open(
        self, tenant_id: str, session_id: str, *, owner: str, reference: str, amount: Money, expires_at: datetime,
    ) -> SpendingSession:
        if amount.minor <= 0:
            raise ValidationError("a session amount is positive")
        if not (0 < len(session_id) <= 64 and 0 < len(owner) <= 64 and 0 < len(reference) <= 255):
            raise ValidationError("a session needs an id, an owner and a reference of sensible length")
        now = self._clock.now()
        with self._db.write() as conn:
            conn.execute(insert(spending_sessions), {
                "tenant_id": tenant_id, "id": session_id, "owner": owner, "reference": reference,
                "currency": amount.currency, "amount": amount.minor, "reserved": 0, "subject": None,
                "created_at": now, "expires_at": expires_at, "ended_at": None, "released_at": None,
            })
        return self.get(tenant_id, session_id)

    def get(self, tenant_id: str, session_id: str) -> SpendingSession:
        with self._db.read() as conn:
            row = conn.execute(
                select(spending_sessions).where(S.tenant_id == tenant_id, S.id == session_id)
            ).first()
        if row is None:
            raise SessionNotFound(f"no session {session_id!r}")
        return _session(row)

    def spend(self, tenant_id: str, session_id: str, amount: Money, *, subject: str, end: bool = True) -> SpendingSession:
        """Reserve ``amount`` of the session for ``subject`` (and, with ``end``, close the
        session to further spends), or raise why not. All or nothing, atomically."""
        if amount.minor <= 0:
            raise ValidationError("a spend is positive")
        now = self._clock.now()
        values = {"reserved": S.reserved + amount.minor, "subject": subject}
        if end:
            values["ended_at"] = now
        with self._db.write() as conn:
            changed = conn.execute(
                update(spending_sessions)
                .where(
                    S.tenant_id == tenant_id, S.id == session_id, S.currency == amount.currency,
                    S.ended_at.is_(None), S.expires_at > now, S.reserved + amount.minor <= S.amount,
                )
                .values(**values)
            ).rowcount
        if changed != 1:
            self._explain_refusal(tenant_id, session_id, amount, now)
        return self.get(tenant_id, session_id)

    def unspend(self, tenant_id: str, session_id: str, amount: Money, *, subject: str) -> bool:
        """Undo a spend whose purchase failed: the amount comes back and the session reopens."""
        with self._db.write() as conn:
            return conn.execute(
                update(spending_sessions)
                .where(S.tenant_id == tenant_id, S.id == session_id, S.subject == subject,
                       S.released_at.is_(None), S.reserved >= amount.minor)
                .values(reserved=S.reserved - amount.minor, subject=None, ended_at=None)
            ).rowcount == 1

    def release(self, tenant_id: str, session_id: str, *, subject: str) -> bool:
        """Give back what ``subject`` reserved (its reservation expired or was cancelled). The
        session stays ended; True the first time only."""
        with self._db.write() as conn:
            return conn.execute(
                update(spending_sessions)
                .where(S.tenant_id == tenant_id, S.id == session_id, S.subject == subject, S.released_at.is_(None))
                .values(reserved=0, released_at=self._clock.now())
            ).rowcount == 1

    def _explain_refusal(self, tenant_id: str, session_id: str, amount: Money, now: datetime) -> None:
        """Why a spend was refused. Read after the refusal, only to name the reason: the
        refusal itself was decided by the UPDATE."""
        session = self.get(tenant_id, session_id)
        if session.ended_at is not None:
            raise SessionEnded("this session has already been used")
        if now >= session.expires_at:
            raise SessionExpired("this session has expired")
        if session.amount.currency != amount.currency:
            raise SessionAmountExceeded(f"this session is in {session.amount.currency}")
        raise SessionAmountExceeded(
            f"{amount.format()} {amount.currency} exceeds what is left of the session "
            f"({session.remaining.format()} {session.amount.currency})"
        )


__all__ = [
    "SessionAmountExceeded", "SessionEnded", "SessionExpired", "SessionNotFound", "SpendingSession",
    "SpendingSessions",
]
