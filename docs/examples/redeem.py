"""Redeeming: partial amounts, PINs, stores, uses, validity, history, the ledger, reversals."""

import os
import tempfile
from datetime import UTC, datetime, timedelta

from voucher_engine import Engine, ManualClock, Money, Store, VoucherKind, VoucherSpec, WindowSpec, replay
from voucher_engine.errors import (
    InsufficientFunds, InvalidPin, NotRedeemableHere, VoucherEngineError, VoucherExpired,
)

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
clock = ManualClock(datetime(2031, 1, 1, 12, 0, tzinfo=UTC))
EUR = lambda text: Money.parse(text, "EUR")  # noqa: E731

with Engine.open(url, clock=clock) as engine:
    engine.create_tenant("shop")
    engine.put_store(Store("vienna-1", "shop", "Vienna 1"))  # a voucher names only stores that exist
    engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, EUR("30.00"), pin="4711",
                                     redeemable_at=("vienna-1",)), code="GIFT-1")

    moved = engine.redeem("shop", code="GIFT-1", amount=EUR("10.53"), pin="4711",
                          store="vienna-1", reference="receipt-17")
    print("redeemed", moved.amount, "left", moved.available, moved.state, "entry", moved.seq)
    for attempt in (
        dict(amount=EUR("5.00"), pin="0000"),                      # wrong PIN
        dict(amount=EUR("5.00"), pin="4711", store="graz-2"),      # not a store of this voucher
        dict(amount=EUR("50.00"), pin="4711"),                     # more than is left
    ):
        try:
            engine.redeem("shop", code="GIFT-1", **attempt)
        except (InvalidPin, NotRedeemableHere, InsufficientFunds) as error:
            print("refused:", error.code)
    engine.redeem("shop", code="GIFT-1", amount=EUR("19.47"), pin="4711")
    print("state:", engine.get_voucher("shop", code="GIFT-1").state)

    # Give back part of the first redemption (ledger entry 2): a new entry, nothing rewritten.
    back = engine.reverse("shop", code="GIFT-1", seq=moved.seq, amount=EUR("3.00"))
    print("reversed", back.amount, "left", back.available, back.state)
    for line in engine.redeem_history("shop", code="GIFT-1"):
        print("history:", line.seq, line.kind, line.amount, line.reference)
    entries = engine.ledger("shop", code="GIFT-1")
    print("ledger:", [e.kind.value for e in entries], "replays to", replay(entries).available)

    # Count-based vouchers spend uses: one by default, or several at once.
    engine.issue("shop", VoucherSpec(VoucherKind.MULTI_USE, 5), code="CAFE-5")
    engine.redeem("shop", code="CAFE-5")
    print("uses left:", engine.redeem("shop", code="CAFE-5", amount=3).available)

    # Validity: with an injected clock a test moves time instead of waiting for it.
    engine.issue("shop", VoucherSpec(VoucherKind.SINGLE_USE,
                                     validity=(WindowSpec(days_after_issue=2),)), code="ONCE-1")
    clock.advance(timedelta(days=3))
    try:
        engine.redeem("shop", code="ONCE-1")
    except VoucherExpired as error:
        print("refused:", error.code)
    engine.create_tenant("globex")
    try:
        engine.redeem("globex", code="GIFT-1", amount=EUR("1.00"))  # "shop"'s code: not found
    except VoucherEngineError as error:
        print("refused:", error.code)

# Output:
# redeemed 1053 left 1947 partially_redeemed entry 2
# refused: invalid_pin
# refused: not_redeemable_here
# refused: insufficient_funds
# state: redeemed
# reversed 300 left 300 partially_redeemed
# history: 2 redeem 1053 receipt-17
# history: 3 redeem 1947 None
# history: 4 reverse -300 None
# ledger: ['issue', 'redeem', 'redeem', 'reverse'] replays to 300
# uses left: 1
# refused: voucher_expired
# refused: voucher_not_found
