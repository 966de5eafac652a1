"""Four processes writing to one SQLite file at once: every write transaction takes the write
lock up front (BEGIN IMMEDIATE) and waits its turn, so none is refused with "database is
locked" (design.md 3.1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import SHARED_HOLD, SHARED_POOL, SHARED_REDEEM, TENANT, WRITES, sqlite_writers

from voucher_engine import Engine, EngineConfig, Money, VoucherKind, VoucherSpec, replay
from voucher_engine.domain.ledger import Balance

PROCESSES = 4
ITERATIONS = 25
OPERATIONS = PROCESSES * ITERATIONS


@pytest.fixture
def shared_rows(sqlite_url: str) -> Iterator[Engine]:
    """Two vouchers and a pool that every writer process works on."""
    engine = Engine.open(sqlite_url, config=EngineConfig(auto_migrate=True))
    engine.create_tenant(TENANT)
    for code in (SHARED_REDEEM, SHARED_HOLD):
        engine.issue(TENANT, VoucherSpec(VoucherKind.MONETARY, Money.parse("100.00", "EUR")), code=code)
    engine.create_pool(TENANT, SHARED_POOL)
    engine.add_codes(TENANT, SHARED_POOL, (f"POOL-{i:05d}" for i in range(OPERATIONS + 10)))
    yield engine
    engine.close()


@pytest.mark.slow
def test_four_sqlite_processes_writing_at_once_never_see_database_is_locked(shared_rows, sqlite_url):
    engine = shared_rows

    report = sqlite_writers(sqlite_url, processes=PROCESSES, iterations=ITERATIONS)

    assert not [e for e in report.errors if "locked" in e or "Conflict" in e]
    assert report.errors == []
    assert report.done == dict.fromkeys(WRITES, OPERATIONS)
    assert engine.stats(TENANT)["vouchers"]["available"] == OPERATIONS  # the issued single-use ones
    for code in (SHARED_REDEEM, SHARED_HOLD):
        voucher = engine.get_voucher(TENANT, code=code)
        assert (voucher.available, voucher.held) == (10_000 - OPERATIONS, 0)
        assert replay(engine.ledger(TENANT, code=code)) == Balance(voucher.available, 0)
    assert len(engine.ledger(TENANT, code=SHARED_REDEEM)) == 1 + OPERATIONS
    assert len(engine.ledger(TENANT, code=SHARED_HOLD)) == 1 + 2 * OPERATIONS
    assert len(set(report.popped)) == len(report.popped) == OPERATIONS
    assert engine.pool_status(TENANT, SHARED_POOL).issued == OPERATIONS


def test_harness_detects_deferred_sqlite_write_transactions(shared_rows, sqlite_url):
    report = sqlite_writers(sqlite_url, processes=PROCESSES, iterations=5, engine="deferred")

    assert any("database is locked" in e for e in report.errors), report.errors
    assert sum(report.done.values()) < len(WRITES) * PROCESSES * 5
