"""Spending sessions: a budget (an amount of one currency, for a limited time) that one or
more spends draw on, never beyond it. Jackpot's reservation sessions are built on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from voucher_engine.domain.money import Money


@dataclass(frozen=True, slots=True)
class SpendingSession:
    tenant_id: str
    id: str
    owner: str  # who opened it (a partner id)
    reference: str  # the owner's customer reference
    amount: Money
    reserved: Money
    subject: str | None  # what the last spend bought (a voucher id)
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None
    released_at: datetime | None

    @property
    def remaining(self) -> Money:
        return self.amount - self.reserved

    def open_at(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at
