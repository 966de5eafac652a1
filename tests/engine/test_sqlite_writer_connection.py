"""SQLite: every write of a ``Database`` runs on one connection kept for writing
(storage/database.py, ``Database._writer_link``), while it holds the file's writer lock.

The writes of a process take turns on that lock anyway; on one connection none pays a
checkout and a return (the pool's reset) inside it, and the connection's page cache survives
from one write to the next. Reads still come from the pool. Checkouts are counted by the pool's
``checkout`` event, connections told apart by their DBAPI object.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import text

from dbsupport import database_of, fired
from voucher_engine import Engine
from voucher_engine.domain.money import Money
from voucher_engine.domain.vouchers import VoucherKind, VoucherSpec
from voucher_engine.errors import StorageError
from voucher_engine.storage.database import Database, DatabaseSettings

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

T = "acme"


def _checkouts(engine: Engine, operation: Callable[[], object]) -> list[object]:
    """The DBAPI connections checked out of the pool while ``operation`` runs."""
    return [
        dbapi_connection
        for dbapi_connection, _record, _proxy in fired(database_of(engine).sa.pool, "checkout", operation)
    ]


def _writing_connection(engine: Engine) -> object:
    with database_of(engine).write() as link:
        return link.raw


def test_every_write_runs_on_the_one_writer_connection_and_checks_nothing_out(engine: Engine) -> None:
    engine.create_pool(T, "p")
    engine.add_codes(T, "p", [f"C{i:03d}" for i in range(10)])
    card = engine.issue(T, VoucherSpec(VoucherKind.MONETARY, Money(10_000, "EUR"))).code
    writer = _writing_connection(engine)

    def writes() -> None:
        engine.pop_code(T, "p")
        engine.redeem(T, code=card, amount=Money(1, "EUR"))
        engine.capture(T, engine.hold(T, code=card, amount=Money(5, "EUR")).hold_id)
        engine.issue(T, VoucherSpec(VoucherKind.SINGLE_USE))

    assert _checkouts(engine, writes) == []  # one per write (5) from the pool before
    assert _writing_connection(engine) is writer
    reads = _checkouts(engine, lambda: engine.get_voucher(T, code=card))
    assert len(reads) == 1 and reads[0] is not writer  # reads come from the pool, as before
    assert engine.get_voucher(T, code=card).available == 10_000 - 1 - 5


def test_a_writer_connection_found_broken_is_replaced_by_the_next_write(engine: Engine) -> None:
    db = database_of(engine)
    first = _writing_connection(engine)
    with pytest.raises(RuntimeError), db.write() as link:
        link.sql.execute(text("UPDATE tenants SET name = 'lost' WHERE id = 'acme'"))
        link.invalidate()  # as a driver error that lost the connection does
        raise RuntimeError("the write fails")
    second = _writing_connection(engine)
    assert second is not first
    engine.create_tenant("initech")
    assert _writing_connection(engine) is second
    assert engine.tenant_ids() == ["acme", "globex", "initech"]  # the failed write left nothing
    assert db.sa.pool.checkedout() == 1  # the writer; the broken one was discarded, not leaked


def test_closing_the_engine_closes_the_writer_connection(engine: Engine) -> None:
    writer = _writing_connection(engine)
    engine.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        writer.execute("SELECT 1")  # type: ignore[attr-defined]


def test_sqlite_refuses_a_pool_with_no_connection_left_to_read(database_url: str) -> None:
    with pytest.raises(StorageError, match="two connections"):
        Database(database_url, DatabaseSettings(pool_size=1, max_overflow=0))
    Database(database_url, DatabaseSettings(pool_size=1, max_overflow=1)).dispose()
