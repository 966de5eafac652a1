"""End to end on both backends: engine commands -> outbox -> relay -> signed POSTs to a real
receiver on loopback, verified with the ``standardwebhooks`` package."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from voucher_engine import Engine, EngineConfig, Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks, Worker, start_worker_thread
from voucher_engine.delivery.relay import dispatch_outbox
from voucher_engine.hookspecs import hookimpl
from voucher_engine.plugins import PluginSettings
from voucher_engine.testing import LOOPBACK


def scenario(engine) -> None:
    voucher = engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")))
    engine.redeem("acme", code=voucher.code, amount=Money.parse("10.00", "EUR"))
    hold = engine.hold("acme", code=voucher.code, amount=Money.parse("5.00", "EUR"))
    engine.capture("acme", hold.hold_id)
    engine.create_pool("acme", "promo", low_stock_threshold=1)
    engine.add_codes("acme", "promo", ["PROMO-A", "PROMO-B", "PROMO-C"])
    for n in range(3):
        engine.pop_code("acme", "promo", reference=f"order-{n}")
    engine.issue("globex", VoucherSpec(VoucherKind.MONETARY, Money.parse("20.00", "EUR")))


def test_every_event_reaches_the_receiver_signed_and_as_written(engine, receiver):
    webhooks = Webhooks(engine, LOOPBACK)
    created = webhooks.create_endpoint("acme", receiver.url)
    assert created.secret.startswith("whsec_")
    scenario(engine)
    worker = Worker(engine, LOOPBACK, worker_id="w1")

    first = worker.run_once()
    assert worker.run_once().idle

    events = engine.events("acme")
    assert first.delivered == {"succeeded": len(events)}
    assert len({e.type for e in events}) >= 6  # issued, redeemed, hold created/captured, pool ...
    by_id = {r.webhook_id: r for r in receiver.received}
    assert sorted(by_id) == sorted(e.event_id for e in events)
    assert len(receiver.received) == len(events)  # nothing twice, globex's event not at all
    verifier = Webhook(created.secret)
    for event in events:
        got = by_id[event.event_id]
        assert got.path == "/hook"
        assert got.headers["content-type"] == "application/json"
        document = verifier.verify(got.body, got.headers)
        assert document["id"] == event.event_id
        assert document["type"] == event.type
        assert document["data"] == event.payload
        assert document["data"]["subject_id"] == event.subject_id
    assert all(d.status == "succeeded" for d in webhooks.deliveries("acme"))


def test_a_signature_with_another_secret_is_refused(engine, receiver):
    webhooks = Webhooks(engine, LOOPBACK)
    webhooks.create_endpoint("acme", receiver.url)
    other = webhooks.create_endpoint("globex", "http://127.0.0.1:9/unused").secret
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("1.00", "EUR")))
    Worker(engine, LOOPBACK).run_once()
    (got,) = receiver.received
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(got.body, got.headers)


def test_event_type_filter_and_disabled_endpoints(engine, receiver):
    webhooks = Webhooks(engine, LOOPBACK)
    only_redeemed = webhooks.create_endpoint("acme", receiver.url + "?only=redeemed", event_types=["voucher.redeemed"])
    disabled = webhooks.create_endpoint("acme", receiver.url + "?disabled")
    webhooks.disable_endpoint("acme", disabled.endpoint.id)
    voucher = engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")))
    engine.redeem("acme", code=voucher.code, amount=Money.parse("1.00", "EUR"))

    Worker(engine, LOOPBACK).run_once()

    (got,) = receiver.received
    assert got.path == "/hook?only=redeemed"
    assert json.loads(got.body)["type"] == "voucher.redeemed"
    assert webhooks.deliveries("acme", endpoint_id=disabled.endpoint.id) == []
    assert len(webhooks.deliveries("acme", endpoint_id=only_redeemed.endpoint.id)) == 1


def test_rotation_signs_with_both_secrets_during_the_grace_period(engine, receiver, clock):
    webhooks = Webhooks(engine, LOOPBACK)
    old = webhooks.create_endpoint("acme", receiver.url).secret
    new = webhooks.rotate_secret("acme", webhooks.list_endpoints("acme")[0].id).secret
    assert new != old and new.startswith("whsec_")
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("1.00", "EUR")))
    Worker(engine, LOOPBACK).run_once()
    (during,) = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(during.body, during.headers)
    Webhook(new).verify(during.body, during.headers)

    clock.advance(LOOPBACK.secret_grace + timedelta(seconds=1))
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("1.00", "EUR")))
    Worker(engine, LOOPBACK).run_once()
    after = receiver.received[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1


def test_the_worker_runs_in_a_thread_of_the_app_and_stops_on_request(engine, receiver):
    Webhooks(engine, LOOPBACK).create_endpoint("acme", receiver.url)
    scenario(engine)
    expected = len(engine.events("acme"))
    all_in = threading.Event()

    def answer(_got) -> int:
        if len(receiver.received) >= expected:
            all_in.set()
        return 200

    receiver.answer = answer
    stop = threading.Event()
    thread = start_worker_thread(engine, stop=stop, settings=LOOPBACK, worker_id="in-app")
    try:
        assert all_in.wait(30)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert sorted(receiver.ids()) == sorted(e.event_id for e in engine.events("acme"))


class _Observer:
    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def voucher_engine_event_committed(self, event):
        self.seen.append(event.event_id)


def test_the_relay_tells_event_observers_about_every_committed_event(database_url, clock):
    observer = _Observer()
    eng = Engine.open(
        database_url,
        clock=clock,
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(observer,)),
    )
    eng.create_tenant("acme")
    eng.issue("acme", VoucherSpec(VoucherKind.SINGLE_USE), code="SEEN-1")
    eng.create_pool("acme", "p")
    eng.add_codes("acme", "p", ["A"])
    eng.pop_code("acme", "p")
    written = [e.event_id for e in eng.events("acme")]
    assert dispatch_outbox(eng) == len(written)
    assert dispatch_outbox(eng) == 0  # dispatched once: observers are not called again
    assert observer.seen == written
    eng.close()
