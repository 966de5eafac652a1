"""A provider's webhook shaper that raises: the delivery is kept, the failure logged and
recorded as a failed attempt, and it is shaped again and sent once the shaper works (retried
on the schedule, then failed), never silently skipped (at-least-once)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import flaky_provider
import pytest

from voucher_engine import Engine, EngineConfig, ManualClock, Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks, Worker
from voucher_engine.delivery.relay import dispatch_outbox
from voucher_engine.plugins import PluginSettings
from voucher_engine.testing import LOOPBACK

#: Two retries, the first after at most 5 s, the second after at most 10 s.
SHORT = replace(LOOPBACK, retry_schedule=(timedelta(seconds=5), timedelta(seconds=10)))


@pytest.fixture
def engine(database_url: str, clock: ManualClock) -> Iterator[Engine]:
    engine = Engine.open(
        database_url,
        clock=clock,
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(flaky_provider,)),
    )
    engine.create_tenant("acme")
    yield engine
    engine.close()


@pytest.fixture
def failing() -> Iterator[None]:
    flaky_provider.FAILING.set()
    yield
    flaky_provider.FAILING.clear()


def issue(engine: Engine, code: str) -> None:
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")), code=code)


@pytest.mark.usefixtures("failing")
def test_a_failing_shaper_keeps_the_delivery_and_it_is_sent_once_the_shaper_works(engine, clock, receiver, caplog):
    webhooks = Webhooks(engine, SHORT)
    endpoint = webhooks.create_endpoint("acme", receiver.url, provider="flaky")
    issue(engine, "CARD-1")
    worker = Worker(engine, SHORT)
    try:
        with caplog.at_level(logging.ERROR, logger="voucher_engine.delivery"):
            assert worker.run_once().delivered == {"pending": 1}
        assert "provider flaky could not shape voucher.issued" in caplog.text
        [delivery] = webhooks.deliveries("acme", endpoint_id=endpoint.endpoint.id)
        assert delivery.status == "pending"
        assert delivery.last_error is not None
        assert delivery.last_error.startswith("shaping failed: the provider 'flaky' could not shape it: RuntimeError")
        assert delivery.next_attempt_at is not None and delivery.next_attempt_at <= clock.now() + timedelta(seconds=5)
        [attempt] = webhooks.attempts("acme", delivery.id)
        assert attempt.status_code is None and attempt.error == delivery.last_error
        assert receiver.received == []

        flaky_provider.FAILING.clear()  # the provider is fixed (or its outage passed)
        clock.advance(timedelta(seconds=5))
        assert worker.run_once().delivered == {"succeeded": 1}
    finally:
        worker.close()
    [sent] = receiver.verify(endpoint.secret)
    assert (sent["type"], sent["data"]) == ("card.created", {"cardCode": "CARD-1"})
    [delivery] = webhooks.deliveries("acme", endpoint_id=endpoint.endpoint.id)
    assert (delivery.status, delivery.event_type, delivery.attempts) == ("succeeded", "card.created", 2)


@pytest.mark.usefixtures("failing")
def test_a_shaper_that_keeps_failing_ends_the_delivery_failed_after_the_schedule(engine, clock, receiver):
    webhooks = Webhooks(engine, SHORT)
    endpoint = webhooks.create_endpoint("acme", receiver.url, provider="flaky")
    issue(engine, "CARD-2")
    worker = Worker(engine, SHORT)
    try:
        assert worker.run_once().delivered == {"pending": 1}
        clock.advance(timedelta(seconds=5))
        assert worker.run_once().delivered == {"pending": 1}
        clock.advance(timedelta(seconds=10))
        assert worker.run_once().delivered == {"failed": 1}
        clock.advance(timedelta(hours=1))
        assert worker.run_once().idle
    finally:
        worker.close()
    [delivery] = webhooks.deliveries("acme", endpoint_id=endpoint.endpoint.id, status="failed")
    assert [a.attempt for a in webhooks.attempts("acme", delivery.id)] == [1, 2, 3]
    assert receiver.received == []
    # A manual redelivery, once the provider is fixed, sends it in the provider's shape.
    flaky_provider.FAILING.clear()
    webhooks.redeliver("acme", delivery.id)
    worker = Worker(engine, SHORT)
    try:
        assert worker.run_once().delivered == {"succeeded": 1}
    finally:
        worker.close()
    assert [sent["type"] for sent in receiver.verify(endpoint.secret)] == ["card.created"]


@pytest.mark.usefixtures("failing")
def test_a_redelivery_to_an_endpoint_whose_shaper_fails_is_kept_too(engine, receiver):
    webhooks = Webhooks(engine, SHORT)
    issue(engine, "CARD-3")
    [event] = engine.events("acme")
    endpoint = webhooks.create_endpoint("acme", receiver.url, provider="flaky")  # after the event
    [delivery] = webhooks.redeliver_event("acme", event.event_id)
    assert (delivery.endpoint_id, delivery.status) == (endpoint.endpoint.id, "pending")
    assert delivery.last_error is not None and delivery.last_error.startswith("shaping failed")


@pytest.mark.usefixtures("failing")
def test_a_delivery_the_fixed_shaper_maps_to_nothing_ends_failed_with_the_reason(engine, receiver):
    webhooks = Webhooks(engine, SHORT)
    endpoint = webhooks.create_endpoint("acme", receiver.url, provider="flaky")
    issue(engine, "CARD-4")
    engine.lock("acme", code="CARD-4")  # voucher.locked: flaky maps it to nothing, once it works
    worker = Worker(engine, SHORT)
    try:
        dispatch_outbox(engine)  # fanned out while the shaper fails: both kept, unshaped
        flaky_provider.FAILING.clear()
        assert worker.run_once().delivered == {"succeeded": 1, "failed": 1}
    finally:
        worker.close()
    by_status = {d.status: d for d in webhooks.deliveries("acme", endpoint_id=endpoint.endpoint.id)}
    assert by_status["succeeded"].event_type == "card.created"
    assert by_status["failed"].event_type == "voucher.locked"
    assert by_status["failed"].last_error == "nothing to send: the provider's webhooks skip this event"
    assert [sent["type"] for sent in receiver.verify(endpoint.secret)] == ["card.created"]
