"""A write blocked by a lock another connection holds gives up within the engine's total
budget (``EngineConfig.max_write_wait_s``), over all its retries, with ``Conflict`` (409 with
Retry-After over HTTP) -- not after one lock timeout per retry. Real locks: a row lock taken
by another PostgreSQL connection, a write transaction held on the SQLite file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dbsupport import database_of, open_engine
from voucher_engine import Engine, ManualClock, Money, VoucherKind, VoucherSpec
from voucher_engine.errors import Conflict
from voucher_engine.storage.database import DatabaseSettings

BUDGET_S = 1.0
#: Scheduling on a loaded 2-core machine; far below what one more lock timeout would add.
TOLERANCE_S = 0.6
#: Shorter than the budget, so that a loop without a total budget would retry past it:
#: on PostgreSQL each retry waits for a fresh 0.3 s; on SQLite for a 30 s busy timeout.
SETTINGS = DatabaseSettings(pg_lock_timeout_ms=300, sqlite_busy_timeout_s=30.0)


@pytest.fixture
def budgeted(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url, ManualClock(), max_write_wait_s=BUDGET_S, database=SETTINGS)
    engine.create_tenant("acme")
    yield engine
    engine.close()


def timed_conflict(write) -> float:
    start = time.monotonic()
    with pytest.raises(Conflict):
        write()
    return time.monotonic() - start


def a_voucher(engine: Engine) -> str:
    return engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR"))).id


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_row_lock_held_elsewhere_fails_the_write_within_the_budget(budgeted: Engine, database_url: str):
    voucher_id = a_voucher(budgeted)
    with database_of(budgeted).sa.connect() as other, other.begin():  # a second connection
        other.execute(text("SELECT id FROM vouchers WHERE id = :id FOR UPDATE"), {"id": voucher_id})
        waited = timed_conflict(lambda: budgeted.lock("acme", voucher_id=voucher_id))
    # It waited for the lock (several lock timeouts' worth), and not past the budget.
    assert BUDGET_S - 0.35 <= waited <= BUDGET_S + TOLERANCE_S
    assert budgeted.lock("acme", voucher_id=voucher_id).locked_until is not None  # the lock was the cause


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_write_transaction_held_on_the_sqlite_file_fails_the_write_within_the_budget(
    budgeted: Engine, database_url: str
):
    voucher_id = a_voucher(budgeted)
    other = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        waited = timed_conflict(lambda: budgeted.lock("acme", voucher_id=voucher_id))
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert BUDGET_S - 0.35 <= waited <= BUDGET_S + TOLERANCE_S
    assert budgeted.lock("acme", voucher_id=voucher_id).locked_until is not None


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_write_of_this_process_held_on_the_sqlite_file_fails_the_write_within_the_budget(budgeted: Engine):
    """The same, with the writer in this process: the wait is on the file's writer lock."""
    voucher_id = a_voucher(budgeted)
    with database_of(budgeted).write():
        waited = timed_conflict(lambda: budgeted.lock("acme", voucher_id=voucher_id))
    assert BUDGET_S - 0.35 <= waited <= BUDGET_S + TOLERANCE_S
    assert budgeted.lock("acme", voucher_id=voucher_id).locked_until is not None
