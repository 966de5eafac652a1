"""Statements sent to the driver directly (storage/direct.py) behave as SQLAlchemy's own: the
same rows and types, inside the transaction (the pipelined BEGIN is not skipped), errors
translated the same way, and a lost connection replaced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from dbsupport import database_of, idempotency_row, open_engine
from voucher_engine import Engine, ManualClock, Money, VoucherKind, VoucherSpec
from voucher_engine.errors import AlreadyExists, Conflict
from voucher_engine.storage import direct
from voucher_engine.storage.direct import Direct
from voucher_engine.storage.tables import idempotency_keys, vouchers

T = "acme"
_by_code = select(vouchers).where(vouchers.c.tenant_id == T, vouchers.c.code == "DIRECT-1")


def _voucher(engine: Engine) -> None:
    engine.issue(T, VoucherSpec(VoucherKind.MONETARY, Money(5_00, "EUR"), metadata={"k": ["v", 1]}), code="DIRECT-1")


def test_rows_match_sqlalchemys_value_for_value_and_type_for_type(engine: Engine) -> None:
    _voucher(engine)
    with database_of(engine).read() as conn:
        expected = conn.execute(_by_code).one()._asdict()
        got = Direct(_by_code).one(conn, {})._asdict()
    assert got == expected
    assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}
    assert got["created_at"].utcoffset() == timedelta(0)  # aware UTC, as UTCDateTime reads it
    assert got["attributes"] == {"k": ["v", 1]}  # JSON decoded


def test_a_direct_statement_first_in_a_transaction_is_inside_it(engine: Engine) -> None:
    """On PostgreSQL the engine's connections are in autocommit and BEGIN travels with the
    first statement: a direct statement that forgot it would commit on its own."""
    _voucher(engine)
    touch = Direct(vouchers.update().where(vouchers.c.code == "DIRECT-1").values(holder="someone"))
    with pytest.raises(RuntimeError), database_of(engine).write() as link:
        touch.run(link, {})
        raise RuntimeError("roll back")
    assert engine.get_voucher(T, code="DIRECT-1").holder is None


def test_a_unique_violation_is_already_exists_and_the_engine_goes_on(engine: Engine, clock: ManualClock) -> None:
    row = idempotency_row(T, "k", clock.now())
    insert_key = Direct(insert(idempotency_keys), list(row))
    with database_of(engine).write() as link:
        insert_key.run(link, row)
    with pytest.raises(AlreadyExists), database_of(engine).write() as link:
        insert_key.run(link, row)
    with database_of(engine).read() as conn:
        assert conn.execute(select(idempotency_keys.c.key)).scalars().all() == ["k"]


def test_observers_see_each_statement_sent_while_they_observe(engine: Engine) -> None:
    _voucher(engine)
    seen: list[str] = []
    with direct.observe(seen.append):
        engine.redeem(T, code="DIRECT-1", amount=Money(1_00, "EUR"))
    # The voucher's lookup, the movement (with its entry in the same statement on PostgreSQL,
    # an insert of its own on SQLite) and the event.
    verbs = [sql.split()[0] for sql in seen]
    expected = (
        ["SELECT", "WITH", "INSERT"] if engine.dialect == "postgresql" else ["SELECT", "UPDATE", "INSERT", "INSERT"]
    )
    assert verbs == expected
    engine.redeem(T, code="DIRECT-1", amount=Money(1_00, "EUR"))
    assert len(seen) == len(expected)  # no longer observed


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_connection_killed_under_a_direct_statement_is_a_retryable_conflict_and_replaced(engine: Engine) -> None:
    _voucher(engine)
    db = database_of(engine)
    with pytest.raises(Conflict), db.write() as link:
        pid = link.sql.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with db.sa.connect().execution_options(isolation_level="AUTOCOMMIT") as killer:
            killer.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        Direct(_by_code).first(link, {})
    # The dead connection was invalidated, not handed out again: the engine works on.
    assert engine.redeem(T, code="DIRECT-1", amount=Money(1_00, "EUR")).available == 4_00


def test_a_write_sent_with_the_commit_that_fails_is_translated_and_commits_nothing(
    engine: Engine, clock: ManualClock
) -> None:
    """On PostgreSQL the last writes and COMMIT travel in one pipeline, and a failure among
    them surfaces from the driver when the pipeline ends: it is translated like any other."""
    _voucher(engine)
    row = idempotency_row(T, "k", clock.now())
    insert_key = Direct(insert(idempotency_keys), list(row))
    db = database_of(engine)
    with db.write() as link:
        insert_key.run(link, row)
    touch = Direct(vouchers.update().where(vouchers.c.code == "DIRECT-1").values(holder="someone"))
    with pytest.raises(AlreadyExists), db.write() as link:
        touch.run(link, {})
        db.commit_with(link, [(insert_key, row)])
    assert engine.get_voucher(T, code="DIRECT-1").holder is None
    assert engine.redeem(T, code="DIRECT-1", amount=Money(1_00, "EUR")).available == 4_00


def test_a_direct_statement_outside_a_transaction_is_refused_before_it_is_sent(engine: Engine) -> None:
    """The driver runs in autocommit: without the transaction SQLAlchemy would have begun, the
    statement would commit on its own."""
    _voucher(engine)
    touch = Direct(vouchers.update().where(vouchers.c.code == "DIRECT-1").values(holder="someone"))
    seen: list[str] = []
    with (
        database_of(engine).sa.connect() as conn,
        direct.observe(seen.append),
        pytest.raises(RuntimeError, match="inside a transaction"),
    ):
        touch.run(conn, {})
    assert seen == []
    assert engine.get_voucher(T, code="DIRECT-1").holder is None


def test_engines_opened_and_closed_one_after_another_share_one_plan(tmp_path) -> None:
    """A plan is kept per kind of database, not per engine: a process that opens many engines
    (a host's test suite) does not keep a compiled plan, and its dialect, for each."""
    lookup = Direct(select(vouchers.c.id).where(vouchers.c.code == "nope"))
    for n in range(3):
        other = open_engine(f"sqlite:///{tmp_path / f'e{n}.sqlite3'}")
        with database_of(other).read() as conn:
            assert lookup.first(conn, {}) is None
        other.close()
    assert len(lookup._plans) == 1
