"""A voucher as the seed's voucher object (status and redeem answer the same shape).

- ``stock`` is the voucher's value and ``current`` what has been spent, both in uses or, for
  a monetary voucher, in minor units (the seed's "$1.00 / $20.00 used" is current 100, stock
  2000); ``current`` is read from the redemption history, so a voucher closed by expiry or
  cancellation does not count its forfeited rest as spent.
- ``multiUsable``: anything but a single-use voucher (the seed's monetary sample is true).
- ``redeemed``: fully redeemed; ``status`` from the lifecycle (``STATUS``).
- ``expirations``: the validity windows; an open start is the voucher's issue, an open end null.
- ``redeemHistory``: each redemption with the time it was made for (``redeemDate``, else when
  it was written): ``effective_at``.
- ``order``: the voucher's ``metadata["order"]`` (the sale that created it), with
  ``redeemedDate`` set to the latest redemption.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from voucher_engine import Money, State, Voucher, VoucherKind
from voucher_engine_vouchercart.dates import instant
from voucher_engine_vouchercart.wire import ExpirationOut, RedeemLineOut, VoucherOut, order_out

STATUS: dict[State, str] = {
    State.REDEEMED: "completed",
    State.EXPIRED: "expired",
    State.REFUND_REQUESTED: "refunded",
    State.REFUNDED: "refunded",
    State.CANCELLED: "cancelled",
}


def remaining_string(voucher: Voucher) -> str:
    """ "1 time left", "0 time left" (the seed's), "5 times left"; "19.00 GBP left" for money."""
    if voucher.kind is VoucherKind.MONETARY and voucher.currency is not None:
        return f"{Money(voucher.available, voucher.currency).format()} {voucher.currency} left"
    left = voucher.available
    return f"{left} time left" if left <= 1 else f"{left} times left"


def history_lines(history: Sequence[Any]) -> list[RedeemLineOut]:
    return [RedeemLineOut(amount=line.amount, redeem_at=instant(line.effective_at or line.at)) for line in history]


def voucher_out(voucher: Voucher, history: Sequence[Any], redeemable: list[int]) -> VoucherOut:
    lines = history_lines(history)
    order = order_out(voucher.metadata.get("order"))
    if order is not None and lines:
        order = msgspec.structs.replace(order, redeemed_date=lines[-1].redeem_at)
    return VoucherOut(
        code=voucher.code,
        current=sum(line.amount for line in lines),
        expirations=[
            ExpirationOut(instant(w.start or voucher.created_at), instant(w.end) if w.end else None)
            for w in voucher.windows
        ],
        monetary=voucher.kind is VoucherKind.MONETARY,
        multi_usable=voucher.kind is not VoucherKind.SINGLE_USE,
        order=order,
        redeemable_on=redeemable,
        redeemed=voucher.state is State.REDEEMED,
        redeem_history=lines,
        remaining_string=remaining_string(voucher),
        status=STATUS.get(voucher.state, "in_progress"),
        stock=voucher.initial,
    )
