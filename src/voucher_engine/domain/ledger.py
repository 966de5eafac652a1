"""The append-only ledger: every change of a balance is one entry, never edited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EntryKind(StrEnum):
    ISSUE = "issue"  # available += initial
    REDEEM = "redeem"  # available -= amount
    HOLD = "hold"  # available -= amount, held += amount
    CAPTURE = "capture"  # held -= amount, available += amount - captured
    RELEASE = "release"  # held -= amount, available += amount
    EXPIRE_HOLD = "expire_hold"  # as release, by time
    REVERSE = "reverse"  # available += amount of an earlier redemption
    REFUND = "refund"  # available -= what was left, paid back outside the engine
    FORFEIT = "forfeit"  # available -= what was left when the voucher expired or was cancelled
    REINSTATE = "reinstate"  # available += what the last forfeit took, for a late redemption


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger line. Units are minor currency units, or uses for count-based vouchers.

    ``spent`` is what left the voucher for good with this entry (a redemption, the captured
    part of a hold, a refund payout); it is what redeem history and reversals are built on.

    ``at`` is when the entry was written; ``effective_at`` when it took effect in the world
    (the stated time of a late redemption, otherwise the same instant). ``id`` is the entry's
    number across all vouchers (``Engine.get_entry``), ``seq`` its number on its voucher.
    """

    voucher_id: str
    seq: int
    kind: EntryKind
    available_delta: int
    held_delta: int
    spent: int
    at: datetime
    reference: str | None = None
    hold_id: str | None = None
    store: str | None = None
    id: int | None = None
    effective_at: datetime | None = None
    reverses_seq: int | None = None  # a reverse entry: the seq of the charge it refunds


@dataclass(frozen=True, slots=True)
class Balance:
    available: int
    held: int


def replay(entries: Iterable[Entry]) -> Balance:
    """The balance that a voucher's entries add up to; the stored balance must equal it."""
    available = held = 0
    for entry in entries:
        available += entry.available_delta
        held += entry.held_delta
    return Balance(available, held)
