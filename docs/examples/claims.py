"""Holders: claim one voucher, claim and lock several at once (all or none), admin unlock."""

import os
import tempfile
from datetime import UTC, datetime, timedelta

from voucher_engine import Engine, ManualClock, Money, VoucherKind, VoucherRef, VoucherSpec
from voucher_engine.errors import HeldByAnother, VoucherLocked

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
clock = ManualClock(datetime(2031, 6, 1, 8, 0, tzinfo=UTC))

with Engine.open(url, clock=clock) as engine:
    engine.create_tenant("shop")
    five = VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR"))
    engine.issue("shop", five, code="A")
    b = engine.issue("shop", five, code="B")
    engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR"), third_party_id="crm-c"),
                 code="C")

    print(engine.claim("shop", code="A", holder="member:1").state)
    print("again:", engine.claim("shop", code="A", holder="member:1").state)  # unchanged, no event
    try:
        engine.claim("shop", code="A", holder="member:2")
    except HeldByAnother as error:
        print("refused:", error.code)

    # Up to ten at once, named by code, id, public id or third-party id; locked to a basket.
    refs = [VoucherRef(public_id=b.public_id), VoucherRef(third_party_id="crm-c")]
    claimed = engine.claim_vouchers("shop", holder="member:2", vouchers=refs, lock=True,
                                    locking_code="basket-7", lock_period=timedelta(minutes=10))
    print([(v.code, v.holder, v.locked_until.time().isoformat()) for v in claimed])

    # All or nothing: A is member:1's, so D stays unclaimed too, and the error names A.
    engine.issue("shop", five, code="D")
    try:
        engine.claim_vouchers("shop", holder="member:3", vouchers=[VoucherRef(code="D"), VoucherRef(code="A")])
    except HeldByAnother as error:
        print("refused:", error.code, "for", error.ref.code, "at", error.details["index"])
    print("D:", engine.get_voucher("shop", code="D").holder)

    try:
        engine.redeem("shop", code="B", amount=Money.parse("1.00", "EUR"))  # no basket code
    except VoucherLocked as error:
        print("refused:", error.code)
    # Staff may lift a lock without the basket's code; the binding goes with it.
    unlocked = engine.unlock("shop", code="B", force=True)
    print("unlocked:", unlocked.locked_until, unlocked.lock_code_hash)
    print("left:", engine.redeem("shop", code="B", amount=Money.parse("1.00", "EUR")).available)

# Output:
# claimed
# again: claimed
# refused: voucher_held_by_another
# [('B', 'member:2', '08:10:00'), ('C', 'member:2', '08:10:00')]
# refused: voucher_held_by_another for A at 1
# D: None
# refused: voucher_locked
# unlocked: None None
# left: 400
