"""How a Jackpot voucher looks on the wire, and the facts the provider keeps in its metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from voucher_engine import Money, State, Voucher
from voucher_engine_jackpot.wire import VoucherOut

#: Where the provider keeps its facts in a voucher's metadata.
META = "jackpot"


def iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def facts(voucher: Voucher) -> dict[str, Any] | None:
    """The provider's facts about a voucher; None for a voucher Jackpot did not reserve."""
    found = voucher.metadata.get(META)
    return found if isinstance(found, dict) else None


def reserved_until(voucher: Voucher) -> datetime:
    known = facts(voucher)
    assert known is not None, "only a voucher Jackpot reserved has a deadline"
    return datetime.strptime(known["reservedUntil"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def voucher_out(voucher: Voucher) -> VoucherOut:
    known = facts(voucher) or {}
    ready = voucher.state is State.READY
    return VoucherOut(
        voucher_id=voucher.id,
        state=voucher.state.value.upper(),
        store_id=known.get("store", ""),
        offer_id=voucher.offer_id or "",
        value=Money(voucher.initial, voucher.currency or "EUR").format(),
        price=known.get("price", ""),
        currency=voucher.currency or "",
        reserved_until=known.get("reservedUntil", ""),
        customer_reference=known.get("customerReference", ""),
        # Before READY the code is a provisional reference: fulfilment gives the real one.
        code=voucher.code if ready else None,
        expires_at=iso(voucher.expires_at),
    )
