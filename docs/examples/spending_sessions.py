"""Spending sessions: a budget that buys a voucher once, in one transaction."""

import os
import tempfile
from datetime import UTC, datetime, timedelta

from voucher_engine import Engine, ManualClock, Money, State, VoucherJob, VoucherKind, VoucherSpec
from voucher_engine.errors import SessionAmountExceeded, SessionEnded

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
clock = ManualClock(datetime(2031, 8, 1, 10, 0, tzinfo=UTC))

with Engine.open(url, clock=clock) as engine:
    engine.create_tenant("shop")
    session = engine.open_session("shop", "sess-1", owner="partner-a", reference="customer-9",
                                  amount=Money.parse("50.00", "EUR"), expires_at=clock.now() + timedelta(hours=1))
    print("open:", session.remaining.format(), session.open_at(clock.now()))

    try:
        engine.buy_with_session("shop", "sess-1", VoucherSpec(VoucherKind.MONETARY, Money.parse("60.00", "EUR")),
                                price=Money.parse("57.00", "EUR"))
    except SessionAmountExceeded as error:
        print("refused:", error.code)

    # The spend, the voucher and its expiry job commit together, or not at all.
    voucher = engine.buy_with_session(
        "shop", "sess-1", VoucherSpec(VoucherKind.MONETARY, Money.parse("25.00", "EUR")),
        price=Money.parse("23.75", "EUR"), state=State.RESERVED, holder="customer-9",
        jobs=(VoucherJob("expire_reservation", run_at=clock.now() + timedelta(minutes=30)),),
    )
    spent = engine.get_session("shop", "sess-1")
    print(voucher.state.value, voucher.balance(), "paid", spent.reserved.format(), spent.subject == voucher.id)

    try:  # the purchase ended the session
        engine.buy_with_session("shop", "sess-1", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")),
                                price=Money.parse("5.00", "EUR"))
    except SessionEnded as error:
        print("again:", error.code)

    engine.cancel("shop", voucher_id=voucher.id)
    print("released:", engine.release_session("shop", "sess-1", subject=voucher.id),
          engine.release_session("shop", "sess-1", subject=voucher.id))
    print("reserved now:", engine.get_session("shop", "sess-1").reserved.format())

    # What health checks and metrics read, through the engine.
    engine.ping()
    print("schema current:", engine.schema_status().current)
    print("vouchers:", {state: n for (_, state), n in engine.figures().vouchers_by_state.items()})

# Output:
# open: 50.00 True
# refused: session_amount_exceeded
# reserved 25.00 EUR paid 23.75 True
# again: session_ended
# released: True False
# reserved now: 0.00
# schema current: True
# vouchers: {'cancelled': 1}
