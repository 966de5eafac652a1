"""Worker processes: one killed with SIGKILL mid-delivery and replaced (both backends): every
event delivered, under its own webhook-id, none lost; two workers sharing one PostgreSQL:
no delivery ever in flight twice, every event delivered exactly once. With short real leases:
two live workers and a receiver slower than many leases deliver each event exactly once
(leases per delivery, renewed while sending); a worker killed mid-send leaves its deliveries
to the other once their leases run out."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from dbsupport import database_of
from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks
from voucher_engine.storage.delivery_tables import webhook_deliveries
from voucher_engine.testing import LOOPBACK

D = webhook_deliveries.c
SCRIPT = Path(__file__).with_name("worker_process.py")
DEADLINE_S = 40.0


def start_worker(url: str, worker_id: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(SCRIPT), url, worker_id, *args])


def stop_worker(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=DEADLINE_S)


def stop_workers(processes: list[subprocess.Popen]) -> list[int]:
    """SIGTERM to all first, then wait for each: they stop in parallel."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    return [process.wait(timeout=DEADLINE_S) for process in processes]


def wait_until(condition, what: str) -> None:
    """Poll a condition the test cannot be told about (another process's progress)."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def make_events(engine, count: int) -> list[str]:
    engine.create_pool("acme", "promo")
    engine.add_codes("acme", "promo", [f"PROMO-{n:04d}" for n in range(count)])
    for n in range(count):
        engine.pop_code("acme", "promo", reference=f"order-{n}")
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")))
    return [e.event_id for e in engine.events("acme")]


def all_succeeded(webhooks: Webhooks, count: int) -> bool:
    return len(webhooks.deliveries("acme", status="succeeded", limit=1000)) == count


def test_a_worker_killed_mid_delivery_loses_nothing(engine, database_url, receiver):
    webhooks = Webhooks(engine, LOOPBACK)
    secret = webhooks.create_endpoint("acme", receiver.url).secret
    event_ids = make_events(engine, 8)
    entered, release = threading.Event(), threading.Event()
    blocked: list[str] = []

    def hold_the_first(got) -> None:
        if not blocked:
            blocked.append(got.webhook_id)
            entered.set()
            release.wait(DEADLINE_S)

    receiver.hold = hold_the_first
    first = start_worker(database_url, "first")
    try:
        assert entered.wait(DEADLINE_S), "the first worker never delivered"
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=DEADLINE_S) == -signal.SIGKILL
    finally:
        first.kill()
        release.set()
    assert len(receiver.received) == 1  # killed while its one request was in flight

    # The second worker's clock is past the first one's 60 s leases: it takes their deliveries.
    second = start_worker(database_url, "second", "--ahead", "65")
    try:
        wait_until(lambda: all_succeeded(webhooks, len(event_ids)), "every delivery to succeed")
    finally:
        assert stop_worker(second) == 0  # SIGTERM: a clean stop

    counts = Counter(receiver.ids())
    assert set(counts) == set(event_ids)  # none lost
    assert counts[blocked[0]] == 2 and sum(counts.values()) == len(event_ids) + 1
    verifier = Webhook(secret)
    bodies = {}
    for got in receiver.received:
        assert verifier.verify(got.body, got.headers)["id"] == got.webhook_id
        assert bodies.setdefault(got.webhook_id, got.body) == got.body
    (delivery,) = webhooks.deliveries("acme", event_id=blocked[0])
    # Attempt 1 died with its worker: only the second worker's attempt is in the log.
    assert [(a.attempt, a.worker_id, a.status_code) for a in webhooks.attempts("acme", delivery.id)] == [
        (2, "second", 200)
    ]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_workers_on_postgresql_never_deliver_one_event_twice_at_once(engine, database_url, receiver):
    webhooks = Webhooks(engine, LOOPBACK)
    webhooks.create_endpoint("acme", receiver.url)
    event_ids = make_events(engine, 40)
    both_busy = threading.Event()

    def overlap(got) -> None:
        # Keep the first request open until the other worker sends one too (proof that the two
        # really deliver at the same time), then keep each request open a little to widen the
        # window in which a double claim would show.
        with receiver.lock:
            if sum(receiver.in_flight.values()) >= 2:
                both_busy.set()
        both_busy.wait(DEADLINE_S)
        time.sleep(0.01)

    receiver.hold = overlap
    workers = [start_worker(database_url, f"w{n}", "--batch", "3") for n in (1, 2)]
    try:
        wait_until(lambda: all_succeeded(webhooks, len(event_ids)), "every delivery to succeed")
    finally:
        codes = [stop_worker(w) for w in workers]
    assert codes == [0, 0]
    assert both_busy.is_set()
    assert receiver.overlaps == []
    assert Counter(receiver.ids()) == Counter(event_ids)  # each exactly once
    makers = {a.worker_id for d in webhooks.deliveries("acme", limit=1000) for a in webhooks.attempts("acme", d.id)}
    assert makers == {"w1", "w2"}


# --- leases per delivery, renewed while sending: real time, short leases -----------------------

#: 0.6 s leases renewed every 0.15 s, two senders per worker.
SHORT_LEASES = ("--lease", "0.6", "--renew", "0.15", "--concurrency", "2")
LEASE_S = 0.6


def leases(engine) -> dict[str, datetime]:
    """The event id and lease end of every delivery under a lease now."""
    with database_of(engine).sa.connect() as conn:
        rows = conn.execute(select(D.event_id, D.lease_until).where(D.lease_token.is_not(None))).all()
    return dict(rows)


def renewed_past(engine, first: dict[str, datetime], seconds: float) -> bool:
    """Whether each lease of ``first`` is still held, and now ends ``seconds`` past its first end."""
    now = leases(engine)
    return all(event in now and now[event] >= until + timedelta(seconds=seconds) for event, until in first.items())


def hold_until_all_senders_busy(receiver, senders: int, release: threading.Event) -> threading.Event:
    """Keep every request open until ``release``; the event returned is set once ``senders``
    requests are open at the same time."""
    busy = threading.Event()

    def hold(_got) -> None:
        with receiver.lock:
            if sum(receiver.in_flight.values()) >= senders:
                busy.set()
        release.wait(DEADLINE_S)

    receiver.hold = hold
    return busy


@contextmanager
def running(database_url: str, *names: str) -> Iterator[dict[str, subprocess.Popen]]:
    """Worker processes with short leases; any still running at the end are killed."""
    workers = {name: start_worker(database_url, name, *SHORT_LEASES) for name in names}
    try:
        yield workers
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=DEADLINE_S)


def test_two_live_workers_with_a_slow_receiver_deliver_each_event_exactly_once(engine, database_url, receiver):
    webhooks = Webhooks(engine, LOOPBACK)
    webhooks.create_endpoint("acme", receiver.url)
    event_ids = make_events(engine, 11)
    release = threading.Event()
    all_busy = hold_until_all_senders_busy(receiver, 4, release)
    with running(database_url, "w1", "w2") as workers:
        try:
            assert all_busy.wait(DEADLINE_S), "the two workers never sent two deliveries each at once"
            first = leases(engine)
            # Leased: exactly the four being sent; the other eight wait unleased for a free sender.
            assert set(first) == {got.webhook_id for got in receiver.received}
            # Keep the receiver slow until every lease has been renewed three lease lengths past
            # its claim: unrenewed, each would have run out, and the other worker would send it again.
            wait_until(lambda: renewed_past(engine, first, 3 * LEASE_S), "the leases in flight to be renewed")
            assert len(receiver.received) == 4
        finally:
            release.set()
        wait_until(lambda: all_succeeded(webhooks, len(event_ids)), "every delivery to succeed")
        assert stop_workers(list(workers.values())) == [0, 0]
    assert receiver.overlaps == []
    assert Counter(receiver.ids()) == Counter(event_ids)  # each exactly once
    assert {got.headers["user-agent"] for got in receiver.received} == {"test-worker/w1", "test-worker/w2"}
    assert [d.attempts for d in webhooks.deliveries("acme", limit=1000)] == [1] * len(event_ids)


def test_a_worker_killed_mid_send_leaves_its_deliveries_to_the_other_after_the_lease(engine, database_url, receiver):
    webhooks = Webhooks(engine, LOOPBACK)
    webhooks.create_endpoint("acme", receiver.url)
    event_ids = make_events(engine, 7)
    release = threading.Event()
    all_busy = hold_until_all_senders_busy(receiver, 4, release)
    with running(database_url, "w1", "w2") as workers:
        try:
            assert all_busy.wait(DEADLINE_S), "the two workers never sent two deliveries each at once"
            with receiver.lock:
                orphans = {got.webhook_id for got in receiver.received if got.headers["user-agent"] == "test-worker/w1"}
            assert len(orphans) == 2
            workers["w1"].send_signal(signal.SIGKILL)
            assert workers["w1"].wait(timeout=DEADLINE_S) == -signal.SIGKILL
            receiver.hold = lambda _got: None
        finally:
            release.set()
        # w2 sends the rest, and w1's two once their leases (no longer renewed) run out.
        wait_until(lambda: all_succeeded(webhooks, len(event_ids)), "every delivery to succeed")
        assert stop_workers([workers["w2"]]) == [0]
    counts = Counter(receiver.ids())
    assert set(counts) == set(event_ids)  # none lost
    assert {event for event, n in counts.items() if n == 2} == orphans and max(counts.values()) == 2
    for event in orphans:
        (delivery,) = webhooks.deliveries("acme", event_id=event)
        # w1's attempt died with it (never recorded); w2 sent it again under the same webhook-id.
        assert [(a.attempt, a.worker_id, a.status_code) for a in webhooks.attempts("acme", delivery.id)] == [
            (2, "w2", 200)
        ]
