"""Reservations that replace, charges with an order number, refunds, redeem everything, and a
redemption booked at the time the purchase was made."""

import os
import tempfile
from datetime import UTC, datetime, timedelta

from voucher_engine import Engine, ManualClock, Money, VoucherKind, VoucherSpec, WindowSpec
from voucher_engine.errors import InvalidAmount, InvalidRedemptionTime, NothingToRedeem

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
clock = ManualClock(datetime(2031, 6, 1, 8, 0, tzinfo=UTC))
EUR = lambda text: Money.parse(text, "EUR")  # noqa: E731

with Engine.open(url, clock=clock) as engine:
    engine.create_tenant("shop")
    engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, EUR("100.00")), code="GIFT-1")

    # A new reservation replaces the pending one, in one transaction.
    first = engine.hold("shop", code="GIFT-1", amount=EUR("30.00"), reference="basket-1")
    second = engine.hold("shop", code="GIFT-1", amount=EUR("45.00"), reference="basket-1", replace=True)
    print("replaced:", second.released == (first.hold_id,), "held", second.held)

    # Capture with an order number; the result names the ledger entry it wrote.
    charge = engine.capture("shop", second.hold_id, reference="order-1001")
    entry = engine.get_entry("shop", charge.entry_id)
    print("charged", entry.spent, entry.kind, entry.reference)

    # Refund the charge in parts; never more than it spent.
    engine.reverse("shop", entry_id=charge.entry_id, amount=EUR("10.00"), reference="return-1")
    engine.reverse("shop", entry_id=charge.entry_id, amount=EUR("5.00"))
    try:
        engine.reverse("shop", entry_id=charge.entry_id, amount=EUR("30.01"))
    except InvalidAmount as error:
        print("refused:", error.code, error.details["left"])
    print("balance", engine.get_voucher("shop", code="GIFT-1").balance())

    # Redeem everything that is left, atomically.
    rest = engine.redeem_all("shop", code="GIFT-1", reference="order-1002")
    print("took", rest.amount, rest.state)
    try:
        engine.redeem_all("shop", code="GIFT-1")
    except NothingToRedeem as error:
        print("refused:", error.code)

    # A redemption at a stated time: bought on day 9 of a 10-day voucher, booked on day 12,
    # after the expiry sweep. The ledger keeps both times.
    engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, EUR("20.00"), validity=(WindowSpec(days_after_issue=10),)),
                 code="GIFT-2")
    bought = clock.now() + timedelta(days=9)
    clock.advance(timedelta(days=12))
    print("swept:", engine.expire_due_vouchers(), engine.get_voucher("shop", code="GIFT-2").state)
    late = engine.redeem("shop", code="GIFT-2", amount=EUR("12.00"), at=bought)
    print(late.state, "written", late.at.date(), "effective", late.effective_at.date())
    try:
        engine.redeem("shop", code="GIFT-2", amount=EUR("1.00"), at=clock.now() - timedelta(days=1))
    except InvalidRedemptionTime as error:
        print("refused:", error.code)
    print([e.kind.value for e in engine.ledger("shop", code="GIFT-2")])

# Output:
# replaced: True held 4500
# charged 4500 capture order-1001
# refused: invalid_amount 3000
# balance 70.00 EUR
# took 7000 redeemed
# refused: nothing_to_redeem
# swept: 1 expired
# partially_redeemed written 2031-06-13 effective 2031-06-10
# refused: invalid_redemption_time
# ['issue', 'forfeit', 'reinstate', 'redeem']
