"""Unconfirmed reservations expire after ``reservation_ttl`` and release what they held: the
voucher (EXPIRED) and the session amount. By the worker's job, or lazily by the next call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jackpot_support import WEBHOOKS, bearer, session_jwt, sign, written
from standardwebhooks import Webhook

from voucher_engine.delivery import Webhooks, Worker
from voucher_engine_jackpot import JackpotSettings, configure, register_notification_url

# Short enough that the webhook timestamps stay within standardwebhooks' five minutes of real time.
TTL = timedelta(minutes=2)


@pytest.fixture
def reservation(client, jackpot_engine, jackpot_clock) -> str:
    configure(jackpot_engine, JackpotSettings(reservation_ttl=TTL))
    token = client.post("/v2/token", json={"token": session_jwt(jackpot_clock.now())}).json()["sessionToken"]
    answer = client.post(
        "/v2/stores/zalando/offers/zal-fixed/reserve-voucher-by-value", json={"value": "40.00"}, headers=bearer(token)
    )
    assert answer.status_code == 201
    return answer.json()["voucherId"]


def drain(worker: Worker) -> None:
    while not worker.run_once().idle:
        pass


def test_the_worker_expires_an_unconfirmed_reservation(client, jackpot_engine, jackpot_clock, receiver, reservation):
    endpoint = register_notification_url(Webhooks(jackpot_engine, WEBHOOKS), "acme", receiver.url)
    worker = Worker(jackpot_engine, WEBHOOKS)
    try:
        drain(worker)
        jackpot_clock.advance(TTL - timedelta(seconds=1))
        drain(worker)
        assert written(jackpot_engine)["reserved"] == 4000  # not yet
        jackpot_clock.advance(timedelta(seconds=1))
        drain(worker)
    finally:
        worker.close()
    assert written(jackpot_engine)["reserved"] == 0
    state = client.get(f"/v2/vouchers/{reservation}", headers=bearer(sign(jackpot_clock.now()))).json()["state"]
    assert state == "EXPIRED"
    events = [Webhook(endpoint.secret).verify(r.body, r.headers) for r in receiver.received]
    assert sorted((e["type"], e["data"]["state"]) for e in events) == [("EXPIRED", "EXPIRED"), ("RESERVED", "RESERVED")]
    # The same answer as when the confirmation itself finds the reservation overdue (below).
    answer = client.post(f"/v2/vouchers/{reservation}/confirm", headers=bearer(sign(jackpot_clock.now())))
    assert (answer.status_code, answer.json()["code"]) == (409, "reservation_expired")
    assert jackpot_engine.pool_status("acme", "zal-fixed").remaining == 1  # no code was ever taken


def test_a_late_confirmation_expires_the_reservation_itself(client, jackpot_engine, jackpot_clock, reservation):
    jackpot_clock.advance(TTL)
    answer = client.post(f"/v2/vouchers/{reservation}/confirm", headers=bearer(sign(jackpot_clock.now())))
    assert (answer.status_code, answer.json()["code"]) == (409, "reservation_expired")
    assert written(jackpot_engine)["reserved"] == 0
    state = client.get(f"/v2/vouchers/{reservation}", headers=bearer(sign(jackpot_clock.now()))).json()["state"]
    assert state == "EXPIRED"
    # The job, when a worker gets to it, finds nothing left to do.
    worker = Worker(jackpot_engine, WEBHOOKS)
    try:
        report = worker.run_once()
    finally:
        worker.close()
    assert report.jobs == {"succeeded": 1}


def test_a_confirmed_reservation_does_not_expire(client, jackpot_engine, jackpot_clock, reservation):
    confirmed = client.post(f"/v2/vouchers/{reservation}/confirm", headers=bearer(sign(jackpot_clock.now())))
    assert confirmed.json()["state"] == "CONFIRMED"
    jackpot_clock.advance(TTL)
    worker = Worker(jackpot_engine, WEBHOOKS)
    try:
        drain(worker)
    finally:
        worker.close()
    state = client.get(f"/v2/vouchers/{reservation}", headers=bearer(sign(jackpot_clock.now()))).json()
    assert (state["state"], state["code"]) == ("READY", "ZAL-0001-DDDD")
    assert written(jackpot_engine)["reserved"] == 4000
