"""Pops from one pool on PostgreSQL, where they spread over the pool's lanes (engine/pools.py):
16 threads drain a pool and every code goes out once, numbered 1..size, with one depletion
and one low-stock event; a pop that finds every remaining code held by pops in flight waits
for them, and answers "depleted" only when they commit, never while one of them may still
roll back; a pop goes ahead while an import holds the pool's row.

The lane pick's guard (``FOR UPDATE SKIP LOCKED`` and the update of the lane it locked) was
checked by turning it into read-then-write in the engine itself: the 16-thread drain fails.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from typing import Any

import pytest
from harness import BARRIER_TIMEOUT_S, TENANT, race
from sqlalchemy import Connection, text

from dbsupport import database_of, open_engine
from voucher_engine import Engine, IssuedCode
from voucher_engine.domain import events
from voucher_engine.engine.base import Tx
from voucher_engine.errors import PoolDepleted

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

WORKERS = 16
#: How long the test polls for a transaction to reach a lock: far above what a request takes
#: to get there on a loaded machine, and only ever reached by a failing test.
LOCK_WAIT_DEADLINE_S = 30.0
#: Pools drained one after the other by the same workers: each ends with pops waiting.
ENDINGS = 40


def _pool(engine: Engine, pool_id: str, size: int, threshold: int | None = None) -> list[str]:
    codes = [f"{pool_id}-{i:05d}" for i in range(1, size + 1)]
    engine.create_pool(TENANT, pool_id, low_stock_threshold=threshold)
    engine.add_codes(TENANT, pool_id, codes)
    return codes


def _events(engine: Engine, kind: str, pool_id: str) -> list[dict[str, Any]]:
    """The payloads of the pool's events of one kind (without the envelope's own fields)."""
    found = engine.events(TENANT, type=kind, limit=10_000)
    return [
        {k: v for k, v in e.payload.items() if k not in ("type", "subject_id")}
        for e in found
        if e.subject_id == pool_id
    ]


def test_16_threads_drain_a_pool_each_code_once_numbered_densely(engine):
    size, threshold = 640, 100
    codes = _pool(engine, "drain", size, threshold)

    def drain(_i: int) -> list[IssuedCode]:
        mine = []
        while True:
            try:
                mine.append(engine.pop_code(TENANT, "drain"))
            except PoolDepleted:
                return mine

    outcome = race(WORKERS, drain)

    assert outcome.errors == []
    issued = [code for mine in outcome.results for code in mine]
    assert sorted(i.seq for i in issued) == list(range(1, size + 1))
    assert sorted(i.code for i in issued) == codes
    # Each code under its own number, as the export says, in the order of the numbers.
    assert [(e.seq, e.code) for e in engine.export_codes(TENANT, "drain")] == sorted((i.seq, i.code) for i in issued)
    status = engine.pool_status(TENANT, "drain")
    assert (status.issued, status.remaining) == (size, 0)
    assert _events(engine, events.POOL_DEPLETED, "drain") == [{"size": size}]
    assert _events(engine, events.POOL_LOW_STOCK, "drain") == [{"remaining": threshold, "size": size}]
    with pytest.raises(PoolDepleted):
        engine.pop_code(TENANT, "drain")


class _RolledBack(Exception):
    pass


class HeldCommand:
    """``step(engine)`` run in a command whose transaction stays open (its locks held) until
    ``finish`` says to commit or to roll back."""

    def __init__(self, engine: Engine, step: Any) -> None:
        self.result: Any = None
        self._done_step = threading.Event()
        self._release = threading.Event()
        self._commit = True

        def body(_tx: Tx) -> Any:
            try:
                self.result = step(engine)  # joins this command's transaction
            finally:
                self._done_step.set()
            assert self._release.wait(BARRIER_TIMEOUT_S), "the test never finished the held command"
            if not self._commit:
                raise _RolledBack
            return self.result

        def run() -> None:
            with suppress(_RolledBack):
                engine._command(TENANT, "held", body, object)

        self._runner = ThreadPoolExecutor(max_workers=1)
        self.finished: Future[None] = self._runner.submit(run)
        assert self._done_step.wait(BARRIER_TIMEOUT_S), "the held step did not run"
        if self.finished.done():
            self.finished.result()  # the step failed: its error, here

    def finish(self, outcome: str) -> None:
        self._commit = outcome == "commit"
        self._release.set()
        self.finished.result(timeout=BARRIER_TIMEOUT_S)
        self._runner.shutdown()


def _until_waiting_on_a_lock(probe: Connection, pop: Future[IssuedCode]) -> None:
    """Until a transaction waits for a row lock, or ``pop`` is answered (wrongly: nothing is
    committed or rolled back yet): polling while the request travels, not waiting for time."""
    deadline = time.monotonic() + LOCK_WAIT_DEADLINE_S
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while not pop.done() and probe.execute(query).scalar_one() < 1:  # autocommit: a fresh snapshot each time
        assert time.monotonic() < deadline, "no pop reached the held lanes' locks"
        time.sleep(0.005)
    # Not "depleted" (nor a code): the held codes may yet come back.
    assert not pop.done(), f"answered while every code was held: {pop.exception() or pop.result()!r}"


@pytest.mark.parametrize(
    ("first", "second", "waiter_gets"),
    [
        ("commit", "commit", None),  # the pool is empty: depleted
        ("commit", "rollback", 2),  # the first lane is used up; the second gives its code back
        ("rollback", "commit", 1),
        ("rollback", "rollback", 1),
    ],
)
def test_a_pop_waits_for_the_pops_holding_the_last_codes(engine, first, second, waiter_gets):
    _pool(engine, "last", 2)
    held = [HeldCommand(engine, lambda e: e.pop_code(TENANT, "last")) for _ in range(2)]
    assert [h.result.seq for h in held] == [1, 2]  # every code is held by a pop in flight

    with (
        ThreadPoolExecutor(max_workers=1) as waiter_thread,
        database_of(engine).sa.connect().execution_options(isolation_level="AUTOCOMMIT") as probe,
    ):
        waiter = waiter_thread.submit(engine.pop_code, TENANT, "last")
        _until_waiting_on_a_lock(probe, waiter)
        held[0].finish(first)
        held[1].finish(second)
        if waiter_gets is None:
            with pytest.raises(PoolDepleted):
                waiter.result(timeout=BARRIER_TIMEOUT_S)
        else:
            assert waiter.result(timeout=BARRIER_TIMEOUT_S).seq == waiter_gets

    committed = [h.result.seq for h, outcome in zip(held, (first, second), strict=True) if outcome == "commit"]
    issued = sorted(committed + ([waiter_gets] if waiter_gets else []))
    assert [e.seq for e in engine.export_codes(TENANT, "last") if e.issued_at is not None] == issued
    assert engine.pool_status(TENANT, "last").issued == len(issued)
    # The depletion is written by whichever transaction committed the code numbered 2.
    assert _events(engine, events.POOL_DEPLETED, "last") == ([{"size": 2}] if 2 in issued else [])


def test_a_pop_goes_ahead_while_an_import_into_its_pool_is_open(engine):
    _pool(engine, "busy", 3)
    importing = HeldCommand(engine, lambda e: e.add_codes(TENANT, "busy", ["busy-new-1", "busy-new-2"]))
    try:
        # The import holds the pool's row; a pop that needed it would wait out its lock
        # budget and fail with Conflict.
        popped = engine.pop_code(TENANT, "busy")
        assert (popped.seq, popped.code, popped.remaining) == (1, "busy-00001", 2)
        assert not importing.finished.done()
    finally:
        importing.finish("commit")
    status = engine.pool_status(TENANT, "busy")
    assert (status.size, status.issued) == (5, 1)
    assert [engine.pop_code(TENANT, "busy").code for _ in range(4)] == [
        "busy-00002",
        "busy-00003",
        "busy-new-1",
        "busy-new-2",
    ]


def test_pops_waiting_at_the_end_of_pools_never_deadlock(database_url):
    """The end of a pool is where pops wait for each other's lanes, and a pick keeps the lock
    of a lane it found used up meanwhile. A pop that waited with such locks held, or pops
    waiting for lanes in different orders, deadlocked (PostgreSQL breaks it after a second
    with an error, here not retried): each of the two was seen to fail this test without the
    other (engine/pools.py)."""
    engine = open_engine(database_url, conflict_retries=0)
    try:
        engine.create_tenant(TENANT)
        pools = [f"end-{n}" for n in range(ENDINGS)]
        for pool in pools:
            _pool(engine, pool, WORKERS * 2)

        def drain_each(_i: int) -> int:
            popped = 0
            for pool in pools:
                with suppress(PoolDepleted):
                    while True:
                        engine.pop_code(TENANT, pool)
                        popped += 1
            return popped

        outcome = race(WORKERS, drain_each)
    finally:
        engine.close()
    assert [f"{e!r} {getattr(e, 'details', '')}" for e in outcome.errors] == []
    assert sum(outcome.results) == ENDINGS * WORKERS * 2
