"""Round trips to PostgreSQL per hot-path operation, counted on the wire (``roundtrips``).

Each operation runs once to warm the connection pool (a new connection's handshake is not the
operation's cost), then once counted. A count above the limit fails here, in the test suite,
not only in a benchmark. The limit is issue 14's: 3 round trips each for pop, redeem, hold
and capture (docs/architecture.md, "Round trips", says where each one goes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dbsupport import open_engine
from roundtrips import RoundTripCounter
from voucher_engine import Engine
from voucher_engine.domain.money import Money
from voucher_engine.domain.vouchers import VoucherKind, VoucherSpec

T = "acme"
LIMIT = 3
#: With an idempotency key a command costs two more (its advisory lock and its lookup).
KEY_COST = 2


@pytest.fixture
def engine(round_trips: RoundTripCounter) -> Iterator[Engine]:
    engine = open_engine(round_trips.url)
    engine.create_tenant(T)
    yield engine
    engine.close()


def pg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _counted(round_trips: RoundTripCounter, operation: Callable[[], object]) -> int:
    with round_trips.counting() as trips:
        operation()
    return trips[0]


def test_the_counter_sees_every_round_trip(round_trips: RoundTripCounter) -> None:
    """The yardstick itself, on psycopg alone: a transaction of one statement is BEGIN, the
    statement and COMMIT (psycopg waits for each); a pipeline of all three is one."""
    with psycopg.connect(pg_dsn(round_trips.url)) as conn:
        conn.execute("SELECT 1").fetchone()
        conn.rollback()
        with round_trips.counting() as separate:
            conn.execute("SELECT 1").fetchone()
            conn.commit()
        with round_trips.counting() as two_statements:
            conn.execute("SELECT 1").fetchone()
            conn.execute("SELECT 2").fetchone()
            conn.commit()
        conn.autocommit = True
        with round_trips.counting() as pipelined:
            with conn.pipeline():
                conn.execute("BEGIN")
                cursor = conn.execute("SELECT 3")
                conn.execute("COMMIT")
            assert cursor.fetchone() == (3,)
    assert (separate[0], two_statements[0], pipelined[0]) == (3, 4, 1)


def test_pop_code(round_trips: RoundTripCounter, engine: Engine) -> None:
    engine.create_pool(T, "p")
    engine.add_codes(T, "p", [f"C{i:04d}" for i in range(10)])
    engine.pop_code(T, "p")
    assert _counted(round_trips, lambda: engine.pop_code(T, "p")) <= LIMIT
    assert _counted(round_trips, lambda: engine.pop_code(T, "p", idempotency_key="k")) <= LIMIT + KEY_COST


def _voucher(engine: Engine, code: str) -> str:
    return engine.issue(T, VoucherSpec(VoucherKind.MONETARY, Money(10_000, "EUR")), code=code).code


def test_redeem(round_trips: RoundTripCounter, engine: Engine) -> None:
    code = _voucher(engine, "RDM-1")
    engine.redeem(T, code=code, amount=Money(1, "EUR"))
    assert _counted(round_trips, lambda: engine.redeem(T, code=code, amount=Money(1, "EUR"))) <= LIMIT


def test_a_lock_wait_budget_below_the_sessions_travels_with_begin(round_trips: RoundTripCounter) -> None:
    """With less to wait than the session's lock timeout (3 s), a write sets its own
    (``SET LOCAL lock_timeout``); it goes in the pipeline with ``BEGIN``, not on its own."""
    engine = open_engine(round_trips.url, max_write_wait_s=1.0)
    try:
        engine.create_tenant(T)
        code = _voucher(engine, "RDM-2")
        engine.redeem(T, code=code, amount=Money(1, "EUR"))
        trips = _counted(round_trips, lambda: engine.redeem(T, code=code, amount=Money(1, "EUR")))
        show = text("SHOW lock_timeout")
        in_force = engine._command(T, "probe", lambda tx: tx.conn.execute(show).scalar_one(), str)
    finally:
        engine.close()
    assert trips <= LIMIT
    assert in_force.endswith("ms") and 0 < int(in_force[:-2]) <= 1000  # the budget's, not "3s"


def test_hold_and_capture(round_trips: RoundTripCounter, engine: Engine) -> None:
    code = _voucher(engine, "HLD-1")
    engine.capture(T, engine.hold(T, code=code, amount=Money(1, "EUR")).hold_id)
    held: list[str] = []
    hold = _counted(round_trips, lambda: held.append(engine.hold(T, code=code, amount=Money(5, "EUR")).hold_id))
    capture = _counted(round_trips, lambda: engine.capture(T, held[0]))
    assert hold <= LIMIT and capture <= LIMIT


# --- no pre-ping: a connection that died in the pool ---------------------------------------------


def _kill_engine_connections(url: str) -> int:
    """Terminate every server process on the engine's database but this one (as a restart or
    an idle-connection reaper would); how many."""
    with psycopg.connect(pg_dsn(url), autocommit=True) as admin:
        return len(
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        )


def test_a_connection_that_died_in_the_pool_is_replaced_without_a_ping(
    round_trips: RoundTripCounter, engine: Engine
) -> None:
    """Without a pre-ping, a pooled connection the server closed fails at the transaction's
    first statement, before anything could commit: the command runs again on a new connection
    and takes effect exactly once. Reads run again too."""
    engine.create_pool(T, "p")
    engine.add_codes(T, "p", [f"C{i:04d}" for i in range(5)])
    assert _kill_engine_connections(round_trips.url) >= 1
    issued = engine.pop_code(T, "p")
    assert issued.code == "C0000"
    assert engine.pool_status(T, "p").issued == 1
    assert _kill_engine_connections(round_trips.url) >= 1
    assert engine.pool_status(T, "p").remaining == 4  # a read transaction
    assert [e.type for e in engine.events(T) if e.subject_id == "p"].count("pool.code_issued") == 1
