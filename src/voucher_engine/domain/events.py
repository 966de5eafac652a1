"""Domain events: what happened, named once, written to the outbox with the change itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """One fact. ``type`` is ``"<subject>.<verb>"``, e.g. ``voucher.redeemed``."""

    type: str
    subject_id: str
    data: dict[str, Any] = field(default_factory=dict)


VOUCHER_ISSUED = "voucher.issued"
VOUCHER_CLAIMED = "voucher.claimed"
VOUCHER_CONFIRMED = "voucher.confirmed"
VOUCHER_FULFILLED = "voucher.ready"
VOUCHER_REDEEMED = "voucher.redeemed"
VOUCHER_REVERSED = "voucher.redemption_reversed"
VOUCHER_CANCELLED = "voucher.cancelled"
VOUCHER_EXPIRED = "voucher.expired"
VOUCHER_REFUND_REQUESTED = "voucher.refund_requested"
VOUCHER_REFUNDED = "voucher.refunded"
VOUCHER_LOCKED = "voucher.locked"
VOUCHER_UNLOCKED = "voucher.unlocked"
HOLD_CREATED = "hold.created"
HOLD_CAPTURED = "hold.captured"
HOLD_RELEASED = "hold.released"
HOLD_EXPIRED = "hold.expired"
POOL_CODE_ISSUED = "pool.code_issued"
POOL_LOW_STOCK = "pool.low_stock"
POOL_DEPLETED = "pool.depleted"
POOL_CODES_ADDED = "pool.codes_added"
MEMBER_CREATED = "member.created"
MEMBER_UPDATED = "member.updated"
