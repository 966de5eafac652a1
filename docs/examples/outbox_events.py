"""Events: every state change writes its event to the outbox in the same transaction."""

import os
import tempfile
from datetime import UTC, datetime

from voucher_engine import Engine, ManualClock, Money, VoucherKind, VoucherSpec

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
clock = ManualClock(datetime(2031, 4, 1, 9, 0, tzinfo=UTC))

with Engine.open(url, clock=clock) as engine:
    engine.create_tenant("shop")
    voucher = engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, Money.parse("15.00", "EUR")),
                           code="GIFT-15")
    hold = engine.hold("shop", code="GIFT-15", amount=Money.parse("15.00", "EUR"), reference="cart-3")
    engine.capture("shop", hold.hold_id)

    for event in engine.events("shop"):
        print(event.id, event.type, event.subject_id == voucher.id or event.subject_id == hold.hold_id,
              event.event_id[:4], event.created_at.isoformat())
    captured = engine.events("shop", type="hold.captured")[0].payload
    print({k: captured[k] for k in ("code", "amount", "captured", "released", "currency", "state")})
    print("outbox rows:", engine.outbox_size("shop"), "| stats:", engine.stats("shop"))

# Output:
# 1 voucher.issued True evt_ 2031-04-01T09:00:00+00:00
# 2 hold.created True evt_ 2031-04-01T09:00:00+00:00
# 3 hold.captured True evt_ 2031-04-01T09:00:00+00:00
# {'code': 'GIFT-15', 'amount': 1500, 'captured': 1500, 'released': 0, 'currency': 'EUR', 'state': 'redeemed'}
# outbox rows: 3 | stats: {'vouchers': {'redeemed': 1}, 'holds_pending': 0, 'pools': [], 'outbox': 3}
