"""A worker round takes a write transaction only for a step that has work (``due_work`` reads
which ones do first): none when nothing is due, one (the fan-out) when only events wait, and
the deliveries the fan-out created are sent in the same round. Counted as the write
transactions the engine's database opens (``Database.write``), on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dbsupport import database_of
from voucher_engine import Engine, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks, Worker
from voucher_engine.testing import LOOPBACK


@contextmanager
def counted_writes(engine: Engine) -> Iterator[list[int]]:
    """The number of write transactions opened inside the block (in ``count[0]``)."""
    db = database_of(engine)
    count = [0]
    write = db.write

    @contextmanager
    def counting(**kwargs):
        count[0] += 1
        with write(**kwargs) as link:
            yield link

    db.write = counting
    try:
        yield count
    finally:
        del db.write


def _settled_worker(engine: Engine) -> Worker:
    """A worker whose periodic jobs (scheduled when it starts) have run once, at the test's
    fixed time: nothing of its own is due until the clock moves."""
    worker = Worker(engine, LOOPBACK)
    worker.run_once()
    return worker


def test_a_round_with_nothing_due_writes_nothing(engine):
    engine.create_tenant("acme")
    worker = _settled_worker(engine)
    with counted_writes(engine) as writes:
        report = worker.run_once()
    assert report.idle
    assert writes[0] == 0


def test_events_without_endpoints_cost_a_round_one_write(engine):
    engine.create_tenant("acme")
    worker = _settled_worker(engine)
    for _ in range(3):
        engine.issue("acme", VoucherSpec(VoucherKind.SINGLE_USE))
    with counted_writes(engine) as writes:
        report = worker.run_once()
    assert (report.dispatched, report.delivered, report.jobs) == (3, {}, {})
    assert writes[0] == 1


def test_the_deliveries_a_fan_out_created_go_out_in_the_same_round(engine, receiver):
    engine.create_tenant("acme")
    Webhooks(engine, LOOPBACK).create_endpoint("acme", receiver.url)
    worker = _settled_worker(engine)
    engine.issue("acme", VoucherSpec(VoucherKind.SINGLE_USE))
    report = worker.run_once()
    assert report.dispatched == 1 and report.delivered == {"succeeded": 1}
    assert len(receiver.received) == 1


def test_a_due_job_is_run_in_the_round_that_finds_it(engine, clock):
    engine.create_tenant("acme")
    worker = _settled_worker(engine)
    Webhooks(engine, LOOPBACK).enqueue_job("expire_due_holds", run_at=clock.now())
    with counted_writes(engine) as writes:
        report = worker.run_once()
    assert report.jobs == {"succeeded": 1}
    assert writes[0] >= 1
