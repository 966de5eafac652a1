"""PostgreSQL batches sent through libpq's pipeline directly (storage/pg_pipeline.py): each
statement prepared once per connection on its first use, remembered as prepared even when its
first execution failed, kept across rollbacks, and a connection whose statements vanished
replaced; pyformat SQL numbered as the server's own parameters."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, insert, text

from dbsupport import database_of, idempotency_row
from voucher_engine import Engine, ManualClock, Money, VoucherKind, VoucherSpec
from voucher_engine.errors import InsufficientFunds
from voucher_engine.storage.direct import Direct, _numbered
from voucher_engine.storage.tables import idempotency_keys

T = "acme"
_PREPARED = text("SELECT statement FROM pg_prepared_statements WHERE name LIKE 've\\_%' ORDER BY name")


def _key(clock: ManualClock, key: str) -> dict:
    return idempotency_row(T, key, clock.now())


def test_pyformat_is_numbered_as_the_servers_parameters() -> None:
    wire, order = _numbered("SELECT %(a)s, %(b)s, %(a)s, '100%%' LIKE 'x'")
    assert (wire, order) == (b"SELECT $1, $2, $1, '100%' LIKE 'x'", ["a", "b"])
    with pytest.raises(ValueError, match="lone"):
        _numbered("SELECT 5 % 2")


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_statement_is_prepared_once_even_when_its_first_execution_fails(engine: Engine, clock: ManualClock) -> None:
    insert_key = Direct(insert(idempotency_keys), list(_key(clock, "k")))
    db = database_of(engine)
    with db.write() as link:  # one connection throughout
        link.sql.execute(insert(idempotency_keys), _key(clock, "taken"))
        before = link.sql.execute(_PREPARED).scalars().all()
        savepoint = link.sql.begin_nested()
        with pytest.raises(exc.IntegrityError):
            insert_key.run(link, _key(clock, "taken"))  # prepared, then refused
        savepoint.rollback()
        insert_key.run(link, _key(clock, "fresh"))  # not prepared again: that would fail
        insert_key.run(link, _key(clock, "fresher"))
        prepared = link.sql.execute(_PREPARED).scalars().all()
    assert [s for s in prepared if s not in before] == [_numbered(insert_key._plan(link.dialect).sql)[0].decode()]
    with db.read() as conn:
        keys = conn.execute(text("SELECT key FROM idempotency_keys ORDER BY key")).scalars().all()
    assert keys == ["fresh", "fresher", "taken"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_rollback_keeps_the_prepared_statements(engine: Engine) -> None:
    """psycopg deallocates every prepared statement of a session on ROLLBACK when it holds
    any of its own: on the engine's connections it holds none, so a command that fails (and
    rolls back) costs the next one nothing."""
    engine.issue(T, VoucherSpec(VoucherKind.MONETARY, Money(5_00, "EUR")), code="PIPE-1")
    db = database_of(engine)
    db.sa.dispose()  # one connection from here on
    for _ in range(6):
        engine.redeem(T, code="PIPE-1", amount=Money(1, "EUR"))
        with db.read() as conn:  # a statement psycopg runs itself, past its threshold (5)
            conn.execute(text("SELECT count(*) FROM vouchers"))
    with pytest.raises(InsufficientFunds):
        engine.redeem(T, code="PIPE-1", amount=Money(10_00, "EUR"))
    with db.read() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        prepared = conn.execute(_PREPARED).scalars().all()
    assert len(prepared) >= 3  # the lookup, the movement with its entry, the event
    assert engine.redeem(T, code="PIPE-1", amount=Money(1, "EUR")).available == 5_00 - 7
    with db.read() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid  # not replaced


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_prepared_statements_that_vanish_cost_one_replaced_connection(engine: Engine) -> None:
    engine.issue(T, VoucherSpec(VoucherKind.MONETARY, Money(5_00, "EUR")), code="PIPE-2")
    db = database_of(engine)
    db.sa.dispose()
    engine.redeem(T, code="PIPE-2", amount=Money(1, "EUR"))  # prepares its statements
    with db.write() as link:
        pid = link.sql.execute(text("SELECT pg_backend_pid()")).scalar_one()
        link.sql.execute(text("DEALLOCATE ALL"))  # behind the engine's back
    # The engine's statements are gone from that session: the command is retried once on a
    # new connection, and it takes its money once.
    assert engine.redeem(T, code="PIPE-2", amount=Money(1, "EUR")).available == 5_00 - 2
    with db.read() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
