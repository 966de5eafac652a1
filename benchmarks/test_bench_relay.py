"""Outbox relay throughput: events fanned out into deliveries per second, by
``delivery.relay.dispatch_outbox`` against the same SQL through the bare driver.

Every round starts with the outbox drained and ``events`` fresh rows in it; the workers each
dispatch batches of 100 until nothing is left (on PostgreSQL ``SKIP LOCKED`` lets them work in
parallel, on SQLite the write lock takes turns). One endpoint wants every event, so each event
becomes one delivery. Its own module: the relay's query walks the outbox, which the other
benchmarks fill.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import bare
from benchsupport import TENANT, database_of, per_worker, record, run_workers, seed_outbox, sizes
from voucher_engine.delivery import Webhooks
from voucher_engine.delivery.relay import dispatch_outbox
from voucher_engine.storage.delivery_tables import outbox_dispatch

EVENTS_PER_OP = 5  # a dispatch round moves five times the events of the other rounds


@pytest.fixture(scope="module")
def relay_world(world):
    Webhooks(world.engine, resolve=lambda host, port: ["93.184.216.34"]).create_endpoint(
        TENANT, "https://receiver.example/hook"
    )
    return world


def _dispatched(engine) -> int:
    with database_of(engine).read() as conn:
        return conn.execute(select(func.count()).select_from(outbox_dispatch)).scalar_one()


@pytest.mark.parametrize("workers", [1, 8])
@pytest.mark.parametrize("impl", ["engine", "bare"])
def test_dispatch_outbox(benchmark, relay_world, impl: str, workers: int) -> None:
    world = relay_world
    size = sizes(benchmark)
    events = size.per_round(world.backend) * EVENTS_PER_OP
    benchmark.group = f"dispatch_outbox {world.backend} x{workers}"
    record(benchmark, backend=world.backend, impl=impl, operation="dispatch_outbox", workers=workers, ops=events)
    engine = world.engine
    connections = per_worker(workers, lambda: bare.connect(world.url, world.statements)) if impl == "bare" else []
    done: list[int] = []

    def drain(w: int, _: int) -> None:
        dispatch = (
            (lambda: dispatch_outbox(engine)) if impl == "engine" else (lambda: bare.dispatch_outbox(connections[w]))
        )
        while n := dispatch():
            done.append(n)

    def fresh_outbox() -> tuple[tuple, dict]:
        while dispatch_outbox(engine):
            pass  # anything an earlier benchmark left behind
        done.clear()
        seed_outbox(engine, events)
        return (workers, workers, drain), {}

    before = _dispatched(engine)
    benchmark.pedantic(run_workers, setup=fresh_outbox, rounds=size.rounds, warmup_rounds=size.warmup_rounds)
    for db in connections:
        db.close()
    assert sum(done) == events  # the last round dispatched exactly what it was given
    rounds = 1 if benchmark.disabled else size.rounds + size.warmup_rounds
    assert _dispatched(engine) - before >= rounds * events
