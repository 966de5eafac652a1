"""Locks: keep a whole voucher for one basket for a while; it ends by unlock or by time."""

import os
import tempfile
from datetime import UTC, datetime, timedelta

from voucher_engine import Engine, ManualClock, VoucherKind, VoucherSpec
from voucher_engine.errors import LockPeriodOutOfRange, VoucherLocked

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
clock = ManualClock(datetime(2031, 6, 1, 8, 0, tzinfo=UTC))

with Engine.open(url, clock=clock) as engine:  # default LockPolicy: 120..3600 s, 300 s
    engine.create_tenant("shop")
    engine.issue("shop", VoucherSpec(VoucherKind.MULTI_USE, 3), code="COFFEE-3")

    locked = engine.lock("shop", code="COFFEE-3", locking_code="basket-42", holder="user-9")
    print("locked until", locked.locked_until.time())
    try:
        engine.redeem("shop", code="COFFEE-3")  # without the basket's locking code
    except VoucherLocked as error:
        print("refused:", error.code)
    print("uses left:", engine.redeem("shop", code="COFFEE-3", locking_code="basket-42").available)
    try:
        engine.lock("shop", code="COFFEE-3", period=timedelta(minutes=10))
    except VoucherLocked as error:
        print("refused:", error.code)  # still locked by basket-42

    print("unlocked:", engine.unlock("shop", code="COFFEE-3", locking_code="basket-42").locked_until)
    try:
        engine.lock("shop", code="COFFEE-3", period=timedelta(hours=2))
    except LockPeriodOutOfRange as error:
        print("refused:", error.code)
    engine.lock("shop", code="COFFEE-3", period=timedelta(minutes=2), locking_code="basket-43")
    clock.advance(timedelta(minutes=2))  # a lock simply runs out: no sweeper, no write
    print("uses left:", engine.redeem("shop", code="COFFEE-3").available)

# Output:
# locked until 08:05:00
# refused: voucher_locked
# uses left: 2
# refused: voucher_locked
# unlocked: None
# refused: lock_period_out_of_range
# uses left: 1
