"""Holds: reserve an amount now; capture all or part, release, or let it expire. Exactly once."""

import os
import tempfile
from datetime import UTC, datetime, timedelta

from voucher_engine import Engine, ManualClock, Money, VoucherKind, VoucherSpec
from voucher_engine.errors import HoldExpired, HoldNotPending

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
clock = ManualClock(datetime(2031, 6, 1, 8, 0, tzinfo=UTC))
EUR = lambda text: Money.parse(text, "EUR")  # noqa: E731

with Engine.open(url, clock=clock) as engine:
    engine.create_tenant("shop")
    engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, EUR("100.00")), code="GIFT-7")

    first = engine.hold("shop", code="GIFT-7", amount=EUR("40.00"), reference="basket-1")
    print("held", first.amount, "available", first.available, "until", first.expires_at.time())
    done = engine.capture("shop", first.hold_id, amount=EUR("25.50"))  # the rest goes back
    print(done.state, "captured", done.captured, "available", done.available, "held", done.held)
    try:
        engine.capture("shop", first.hold_id)
    except HoldNotPending as error:
        print("again:", error.code)

    second = engine.hold("shop", code="GIFT-7", amount=EUR("10.00"))
    print(engine.release("shop", second.hold_id).state, engine.get_voucher("shop", code="GIFT-7").balance())

    third = engine.hold("shop", code="GIFT-7", amount=EUR("30.00"), ttl=timedelta(minutes=5))
    clock.advance(timedelta(minutes=5))
    try:
        engine.capture("shop", third.hold_id)  # too late: expiry wins
    except HoldExpired as error:
        print("late capture:", error.code)
    print("swept:", engine.expire_due_holds())  # run this from a periodic job
    print(engine.get_hold("shop", third.hold_id).state, engine.get_voucher("shop", code="GIFT-7").balance())

# Output:
# held 4000 available 6000 until 08:15:00
# captured captured 2550 available 7450 held 0
# again: hold_not_pending
# released 74.50 EUR
# late capture: hold_expired
# swept: 1
# expired 74.50 EUR
