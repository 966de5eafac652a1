"""Worker processes: one killed with SIGKILL mid-delivery and replaced (both backends): every
event delivered, under its own webhook-id, none lost; two workers sharing one PostgreSQL:
no delivery ever in flight twice, every event delivered exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks
from voucher_engine.testing import LOOPBACK

SCRIPT = Path(__file__).with_name("worker_process.py")
DEADLINE_S = 40.0


def start_worker(url: str, worker_id: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(SCRIPT), url, worker_id, *args])


def stop_worker(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=DEADLINE_S)


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
