"""The lifecycle: claim, reserve -> confirm -> fulfil, refunds, cancel, expiry, illegal moves."""

import os
import tempfile
from datetime import UTC, datetime, timedelta

from voucher_engine import Engine, ManualClock, Money, State, VoucherKind, VoucherSpec, WindowSpec
from voucher_engine.errors import IllegalTransition

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
clock = ManualClock(datetime(2031, 2, 1, 10, 0, tzinfo=UTC))
gift = VoucherSpec(VoucherKind.MONETARY, Money.parse("20.00", "EUR"))

with Engine.open(url, clock=clock) as engine:
    engine.create_tenant("shop")

    claimed = engine.claim("shop", code=engine.issue("shop", gift).code, holder="customer-77")
    print(claimed.state, claimed.holder)

    # A reservation flow: issued RESERVED, confirmed by the partner, fulfilled asynchronously.
    order = engine.issue("shop", gift, state=State.RESERVED, code="PENDING-1")
    print(engine.confirm("shop", voucher_id=order.id).state)
    ready = engine.fulfil("shop", voucher_id=order.id, new_code="FINAL-CODE-1",
                          attributes={"url": "https://vouchers.example.com/FINAL-CODE-1"})
    print(ready.state, ready.code, ready.metadata["url"])
    print(engine.request_refund("shop", code="FINAL-CODE-1").state)
    print(engine.refund("shop", code="FINAL-CODE-1").state, "ledger:",
          [e.kind.value for e in engine.ledger("shop", code="FINAL-CODE-1")])

    unused = engine.issue("shop", gift)
    print(engine.cancel("shop", voucher_id=unused.id).state)
    try:
        engine.redeem("shop", voucher_id=unused.id, amount=Money.parse("1.00", "EUR"))
    except IllegalTransition as error:
        print("refused:", error.code, error.details)

    engine.issue("shop", VoucherSpec(VoucherKind.SINGLE_USE, validity=(WindowSpec(days_after_issue=30),)))
    clock.advance(timedelta(days=31))
    print("expired by the sweep:", engine.expire_due_vouchers())  # run from a periodic job
    print(engine.stats("shop")["vouchers"])

# Output:
# claimed customer-77
# confirmed
# ready FINAL-CODE-1 https://vouchers.example.com/FINAL-CODE-1
# refund_requested
# refunded ledger: ['issue', 'refund']
# cancelled
# refused: illegal_transition {'action': 'redeem', 'state': 'cancelled'}
# expired by the sweep: 1
# {'cancelled': 1, 'claimed': 1, 'expired': 1, 'refunded': 1}
