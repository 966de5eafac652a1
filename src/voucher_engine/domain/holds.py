"""Holds (two-phase spending) and locks (a voucher kept aside for a while).

A hold moves units from ``available`` to ``held`` at once, so nobody else can spend them;
it then resolves exactly once: captured (all or part, the rest released), released, or
expired. A lock reserves the whole voucher for a period, optionally bound to a locking code
that a later redemption must present.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from voucher_engine.errors import InvalidAmount, LockPeriodOutOfRange, ValidationError


class HoldState(StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Hold:
    id: str
    tenant_id: str
    voucher_id: str
    amount: int
    captured: int
    state: HoldState
    expires_at: datetime
    reference: str | None
    created_at: datetime
    resolved_at: datetime | None


def capture_split(hold_amount: int, capture: int | None) -> tuple[int, int]:
    """(captured, released) for capturing ``capture`` units of a hold; ``None`` takes all."""
    captured = hold_amount if capture is None else capture
    if type(captured) is not int or not 0 < captured <= hold_amount:
        raise InvalidAmount(f"a capture must be between 1 and the held {hold_amount}")
    return captured, hold_amount - captured


def hold_ttl(ttl: timedelta, *, maximum: timedelta) -> timedelta:
    if not timedelta(0) < ttl <= maximum:
        raise ValidationError(f"a hold lasts more than 0 s and at most {maximum}")
    return ttl


@dataclass(frozen=True, slots=True)
class LockPolicy:
    """The periods a lock may last (Spaaza: 120..3600 s, 300 s when none is asked)."""

    minimum: timedelta = timedelta(seconds=120)
    maximum: timedelta = timedelta(seconds=3600)
    default: timedelta = timedelta(seconds=300)

    def __post_init__(self) -> None:
        if not self.minimum <= self.default <= self.maximum:
            raise ValidationError("the default lock period must lie within minimum..maximum")

    def period(self, requested: timedelta | None) -> timedelta:
        if requested is None:
            return self.default
        if not self.minimum <= requested <= self.maximum:
            raise LockPeriodOutOfRange(
                f"a lock lasts {self.minimum.total_seconds():.0f} to {self.maximum.total_seconds():.0f} seconds",
                minimum=self.minimum,
                maximum=self.maximum,
            )
        return requested
