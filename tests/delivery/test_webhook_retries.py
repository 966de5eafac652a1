"""Retries with backoff (driven by the ManualClock), giving up, 410 Gone, manual redelivery."""

from __future__ import annotations

from datetime import timedelta

import pytest

from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import DEFAULT_RETRY_SCHEDULE, DeliveryNotFound, EventNotFound, Webhooks, Worker
from voucher_engine.testing import LOOPBACK


def one_event(engine) -> str:
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")))
    (event,) = engine.events("acme")
    return event.event_id


def test_two_failures_then_success_three_attempts_one_webhook_id(engine, receiver, clock):
    answers = iter([500, 500, 200])
    receiver.answer = lambda _r: next(answers)
    webhooks = Webhooks(engine, LOOPBACK)
    webhooks.create_endpoint("acme", receiver.url)
    event_id = one_event(engine)
    worker = Worker(engine, LOOPBACK, worker_id="w1")

    assert worker.run_once().delivered == {"pending": 1}
    (delivery,) = webhooks.deliveries("acme")
    first_retry = delivery.next_attempt_at - clock.now()
    assert timedelta(0) <= first_retry <= DEFAULT_RETRY_SCHEDULE[0]
    if first_retry > timedelta(0):
        assert worker.run_once().idle  # not due before its time

    clock.advance(DEFAULT_RETRY_SCHEDULE[0])
    assert worker.run_once().delivered == {"pending": 1}
    second_retry = webhooks.get_delivery("acme", delivery.id).next_attempt_at - clock.now()
    assert timedelta(0) <= second_retry <= DEFAULT_RETRY_SCHEDULE[1]

    clock.advance(DEFAULT_RETRY_SCHEDULE[1])
    assert worker.run_once().delivered == {"succeeded": 1}

    assert receiver.ids() == [event_id] * 3
    assert len({r.body for r in receiver.received}) == 1  # the same bytes every time
    attempts = webhooks.attempts("acme", delivery.id)
    assert [(a.attempt, a.status_code, a.worker_id) for a in attempts] == [
        (1, 500, "w1"),
        (2, 500, "w1"),
        (3, 200, "w1"),
    ]
    done = webhooks.get_delivery("acme", delivery.id)
    assert (done.status, done.attempts, done.last_status_code, done.next_attempt_at) == ("succeeded", 3, 200, None)


def test_gives_up_when_the_schedule_is_used_up(engine, receiver, clock):
    receiver.answer = lambda _r: 503
    webhooks = Webhooks(engine, LOOPBACK)
    webhooks.create_endpoint("acme", receiver.url)
    one_event(engine)
    worker = Worker(engine, LOOPBACK)
    start = clock.now()

    worker.run_once()
    for step in DEFAULT_RETRY_SCHEDULE:
        clock.advance(step)
        worker.run_once()

    (delivery,) = webhooks.deliveries("acme")
    assert (delivery.status, delivery.attempts) == ("failed", len(DEFAULT_RETRY_SCHEDULE) + 1)
    assert len(receiver.received) == len(DEFAULT_RETRY_SCHEDULE) + 1
    assert timedelta(days=3) < clock.now() - start < timedelta(days=3, hours=4)
    clock.advance(timedelta(days=30))
    assert worker.run_once().idle


def test_410_gone_disables_the_endpoint(engine, receiver, clock):
    receiver.answer = lambda _r: 410
    webhooks = Webhooks(engine, LOOPBACK)
    endpoint = webhooks.create_endpoint("acme", receiver.url).endpoint
    one_event(engine)
    worker = Worker(engine, LOOPBACK)

    assert worker.run_once().delivered == {"failed": 1}
    gone = webhooks.get_endpoint("acme", endpoint.id)
    assert (gone.enabled, gone.disabled_reason) == (False, "the receiver answered 410 Gone")

    one_event_more = engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")))
    assert one_event_more is not None
    clock.advance(timedelta(days=1))
    worker.run_once()
    assert len(receiver.received) == 1  # nothing more is sent to a gone endpoint
    assert len(webhooks.deliveries("acme")) == 1


def test_manual_redelivery_of_a_delivery_and_of_an_event(engine, receiver, clock):
    webhooks = Webhooks(engine, LOOPBACK)
    first = webhooks.create_endpoint("acme", receiver.url + "?first")
    event_id = one_event(engine)
    worker = Worker(engine, LOOPBACK)
    worker.run_once()
    (delivery,) = webhooks.deliveries("acme")

    assert webhooks.redeliver("acme", delivery.id).status == "pending"
    assert worker.run_once().delivered == {"succeeded": 1}
    assert webhooks.attempts("acme", delivery.id)[-1].attempt == 2

    # An endpoint created after the event gets it by redelivery of the event.
    second = webhooks.create_endpoint("acme", receiver.url + "?second")
    again = webhooks.redeliver_event("acme", event_id)
    assert sorted(d.endpoint_id for d in again) == sorted([first.endpoint.id, second.endpoint.id])
    assert worker.run_once().delivered == {"succeeded": 2}
    assert receiver.ids() == [event_id] * 4
    assert sorted(r.path for r in receiver.received[2:]) == ["/hook?first", "/hook?second"]

    with pytest.raises(DeliveryNotFound):
        webhooks.redeliver("globex", delivery.id)  # another tenant's delivery is not found
    with pytest.raises(EventNotFound):
        webhooks.redeliver_event("globex", event_id)
