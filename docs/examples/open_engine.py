"""Opening an engine with every injected part spelt out: clock, ids, random source, settings."""

import os
import secrets
import tempfile
from datetime import UTC, datetime, timedelta

from voucher_engine import (
    DatabaseSettings, Engine, EngineConfig, LockPolicy, ManualClock, Money, TimeOrderedIds,
    VoucherKind, VoucherSpec,
)

# sqlite:///relative/file.sqlite3, sqlite:////absolute/file.sqlite3,
# postgresql+psycopg://user:password@host:5432/database (plain postgresql:// means the same)
url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"

clock = ManualClock(datetime(2031, 5, 1, 9, 30, tzinfo=UTC))  # SystemClock() when omitted
random = secrets.SystemRandom()  # the CSPRNG codes, salts and ids are drawn from (the default)
config = EngineConfig(
    lock_policy=LockPolicy(minimum=timedelta(minutes=2), maximum=timedelta(hours=1)),
    default_hold_ttl=timedelta(minutes=15),
    max_hold_ttl=timedelta(days=7),
    conflict_retries=10,
    database=DatabaseSettings(sqlite_synchronous="FULL", sqlite_busy_timeout_s=30.0,
                              pg_lock_timeout_ms=3000, pool_size=10, max_overflow=20),
    auto_migrate=None,  # None: migrate a SQLite file on open, never PostgreSQL
)

engine = Engine.open(url, clock=clock, ids=TimeOrderedIds(clock, random), random=random, config=config)
try:
    print("new tenant:", engine.create_tenant("shop", "The Shop"))
    print("again:", engine.create_tenant("shop", "The Shop"))  # False: already there, no error
    voucher = engine.issue("shop", VoucherSpec(VoucherKind.MONETARY, Money.parse("25.00", "EUR")))
    print("id prefix:", voucher.id.split("_")[0])
    print("issued at:", voucher.created_at.isoformat())
    clock.advance(timedelta(hours=2))  # time moves only when the host says so
    print("now:", engine.clock.now().isoformat())
finally:
    engine.close()

# Output:
# new tenant: True
# again: False
# id prefix: vch
# issued at: 2031-05-01T09:30:00+00:00
# now: 2031-05-01T11:30:00+00:00
