"""What engine operations return. Plain frozen dataclasses: easy to read, to compare in tests,
and to save as an idempotent response (``codec``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voucher_engine.domain.holds import HoldState
from voucher_engine.domain.lifecycle import State


@dataclass(frozen=True, slots=True)
class Movement:
    """The result of anything that moved a voucher's balance."""

    voucher_id: str
    code: str
    seq: int  # the ledger entry this movement wrote
    amount: int  # minor units or uses
    available: int
    held: int
    state: State
    currency: str | None
    at: datetime  # when the entry was written
    entry_id: int | None = None  # that entry's id (``Engine.get_entry``)
    effective_at: datetime | None = None  # when it took effect: a stated time (``at=``), or ``at``


@dataclass(frozen=True, slots=True)
class HoldResult:
    hold_id: str
    voucher_id: str
    amount: int
    captured: int
    state: HoldState
    expires_at: datetime
    available: int
    held: int
    voucher_state: State
    seq: int | None = None  # the ledger entry this call wrote (for a capture, the CAPTURE entry)
    entry_id: int | None = None  # that entry's id (``Engine.get_entry``)
    reference: str | None = None  # the reference stored on that entry (an order number)
    currency: str | None = None
    created_at: datetime | None = None  # when that entry was written
    released: tuple[str, ...] = ()  # holds a replacing hold released (``hold(replace=True)``)


@dataclass(frozen=True, slots=True)
class IssuedCode:
    tenant_id: str
    pool_id: str
    seq: int
    code: str
    reference: str | None
    campaign_id: str | None
    issued_at: datetime
    remaining: int


@dataclass(frozen=True, slots=True)
class CampaignIssue:
    campaign_id: str
    code: str
    expires_at: datetime | None
    issued_at: datetime
    pool_id: str
    seq: int


@dataclass(frozen=True, slots=True)
class PoolStatus:
    tenant_id: str
    pool_id: str
    name: str
    size: int
    issued: int
    low_stock_threshold: int | None

    @property
    def remaining(self) -> int:
        return self.size - self.issued


@dataclass(frozen=True, slots=True)
class CodesAdded:
    added: int
    skipped: int  # duplicates of codes already in the pool (or repeated in the input)


@dataclass(frozen=True, slots=True)
class ExportedCode:
    seq: int
    code: str
    issued_at: datetime | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class HistoryLine:
    seq: int
    kind: str
    amount: int  # what left (positive) or came back (negative) for the holder
    at: datetime
    reference: str | None
    store: str | None
    effective_at: datetime | None = None  # a stated redemption time; else the same as ``at``


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    event_id: str
    tenant_id: str
    type: str
    subject_id: str
    payload: dict[str, Any]
    created_at: datetime
