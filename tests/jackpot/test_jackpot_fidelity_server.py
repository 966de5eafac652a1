"""What a partner client replaying the seed meets, against a real server process serving the
provider at "/" on both databases (issue 15, "Jackpot fidelity"): the token path as the seed
spells it, amounts that overflow, proposals that can all be reserved, one answer for an
expired reservation, the webhooks of the seed's steps through a notification URL registered
in the administration interface, and reservations that confirm themselves when asked to."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import jwt
from jackpot_support import (
    PARTNER,
    SECRET,
    WEBHOOKS,
    bearer,
    open_jackpot_engine,
    session_jwt,
    set_up_tenant,
    sign,
    written,
)

import voucher_engine_admin
import voucher_engine_jackpot
from voucher_engine.delivery import Webhooks, Worker
from voucher_engine.testing import Response
from voucher_engine_jackpot import register_notification_url

HERE = Path(__file__).parent
#: The documented switch of JackpotSettings.auto_confirm for `voucher-engine serve`.
AUTO_CONFIRM_VARIABLE = "VOUCHER_ENGINE_JACKPOT_AUTO_CONFIRM"
THREADS = 16
DECIMAL = re.compile(r"^\d+\.\d{2}$")
RESERVE_BY_VALUE = "/v2/stores/{store}/offers/{offer}/reserve-voucher-by-value"
#: How long a worker may take to deliver what the test waits for.
DELIVERY_DEADLINE_S = 30


def answer(reply: Response) -> tuple[int, dict]:
    return reply.status, json.loads(reply.body)


def wait_for(done: Callable[[], bool]) -> None:
    """Until a worker in another process has done its part (an event, not the passing of time)."""
    deadline = time.monotonic() + DELIVERY_DEADLINE_S
    while not done():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.05)


def open_session(server, now, amount: str = "50.00") -> str:
    status, body = answer(server.request("POST", "/v2/token", json_body={"token": session_jwt(now, amount)}))
    assert status == 201, body
    return body["sessionToken"]


def signed_raw(payload: bytes) -> str:
    """A partner JWT over exactly these payload bytes (PyJWT would write 1e999 as Infinity)."""
    return jwt.api_jws.PyJWS().encode(payload, SECRET, algorithm="HS256")


def test_the_seed_token_path_and_amounts_that_overflow(jackpot_url, jackpot_clock, start_server):
    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        server = start_server(jackpot_url)

        # "POST /V2/token", as the seed writes it: the same exchange as /v2/token, single use across both.
        token = session_jwt(now())
        status, session = answer(server.request("POST", "/V2/token", json_body={"token": token}))
        assert (status, session["amount"], session["currency"]) == (201, "50.00", "EUR")
        assert server.request("GET", "/v2/stores", headers=bearer(session["sessionToken"])).status == 200
        for path in ("/V2/token", "/v2/token"):
            assert answer(server.request("POST", path, json_body={"token": token}))[1]["code"] == "token_already_used"

        before = written(engine)
        iat = int(now().timestamp())
        claims = (f'"iss":"{PARTNER}","tenant":"acme","iat":{iat},"exp":{iat + 300},'
                  f'"currency":"EUR","customerReference":"c-1"')
        for jwt_, expected in [
            # Forged: refused for its signature before its amount is read.
            (session_jwt(now(), amount="1e999999999", secret="x" * 48), (401, "unauthorized")),
            (session_jwt(now(), amount="1e999999999", jti="a1"), (422, "invalid_amount")),
            (signed_raw(f'{{{claims},"jti":"a2","amount":1e999999999}}'.encode()), (422, "invalid_amount")),
            (signed_raw(f'{{{claims},"jti":"a3","amount":NaN}}'.encode()), (422, "invalid_amount")),
            (signed_raw(f'{{{claims},"jti":"a4","amount":-Infinity}}'.encode()), (422, "invalid_amount")),
        ]:
            status, body = answer(server.request("POST", "/V2/token", json_body={"token": jwt_}))
            assert (status, body["code"]) == expected, (jwt_, body)
        assert written(engine) == before  # no session opened


def test_every_proposal_can_be_reserved(jackpot_url, jackpot_clock, start_server):
    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        engine.pop_code("acme", "zal-fixed", reference="sold elsewhere")  # Zalando's only code
        server = start_server(jackpot_url)
        token = open_session(server, now())

        status, by_amount = answer(server.request("GET", "/v2/stores/proposed-vouchers", headers=bearer(token)))
        assert (status, [p["storeId"] for p in by_amount]) == (200, ["amazon"])
        assert answer(server.request("GET", "/v2/stores/zalando/proposed-vouchers", headers=bearer(token))) == (200, [])
        status, offer = answer(server.request("GET", "/v2/stores/zalando/offers/zal-fixed", headers=bearer(token)))
        assert (status, offer["offer"]["denominations"], offer["proposals"]) == (200, ["20.00", "40.00"], [])
        status, of_amazon = answer(server.request("GET", "/v2/stores/amazon/proposed-vouchers", headers=bearer(token)))
        assert status == 200 and of_amazon

        # Each proposal listed, reserved as proposed by a session of its own: none is refused.
        for proposal in by_amount + of_amazon:
            path = RESERVE_BY_VALUE.format(store=proposal["storeId"], offer=proposal["offerId"])
            status, voucher = answer(server.request(
                "POST", path, json_body={"value": proposal["value"]}, headers=bearer(open_session(server, now()))))
            assert (status, voucher["value"], voucher["price"]) == (201, proposal["value"], proposal["price"]), voucher


def test_an_expired_reservation_answers_the_same_whoever_expired_it(jackpot_url, jackpot_clock, start_server):
    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        server = start_server(jackpot_url)

        def reserve() -> str:
            status, voucher = answer(server.request(
                "POST", RESERVE_BY_VALUE.format(store="amazon", offer="amz-range"), json_body={"value": "20.00"},
                headers=bearer(open_session(server, now()))))
            assert status == 201, voucher
            return voucher["voucherId"]

        def utility(method: str, vid: str, route: str = "") -> tuple[int, dict]:
            return answer(server.request(method, f"/v2/vouchers/{vid}{route}", headers=bearer(sign(now()))))

        # The default reservation_ttl is 15 minutes: A's runs out while B's still runs.
        by_job = reserve()
        jackpot_clock.advance(timedelta(minutes=10))
        lazily = reserve()
        jackpot_clock.advance(timedelta(minutes=5))
        worker = Worker(engine, WEBHOOKS)  # a real worker on the same database runs A's expiry job
        try:
            while not worker.run_once().idle:
                pass
        finally:
            worker.close()
        assert [engine.get_voucher("acme", voucher_id=v).state.value for v in (by_job, lazily)] == [
            "expired", "reserved"]
        jackpot_clock.advance(timedelta(minutes=10))  # B overdue too, and no worker runs now

        assert written(engine)["reserved"] == 2000  # B's job has not run: its amount is still held
        status, seen = utility("GET", lazily)  # the first call about B finds it overdue and expires it
        assert (status, seen["state"], seen["code"]) == (200, "EXPIRED", None)
        assert written(engine)["reserved"] == 0
        for vid in (by_job, lazily):
            for route in ("/confirm", "/cancel"):
                status, body = utility("POST", vid, route)
                assert (status, body["code"]) == (409, "reservation_expired"), (vid, route, body)
            assert utility("GET", vid)[1]["state"] == "EXPIRED"
            status, body = utility("GET", vid, "/ready-url")
            assert (status, body["code"]) == (409, "voucher_not_ready")


def serve_with_worker(ve_server, url: str, clock, env: dict[str, str] | None = None):
    """A real server process with the admin API and a worker thread (``jackpot_served_app``)."""
    return ve_server(url, plugins=[voucher_engine_jackpot, voucher_engine_admin], mounts={"jackpot": "/"},
                     clock=clock, app="jackpot_served_app:create_app", env={"PYTHONPATH": str(HERE), **(env or {})})


def reserve_and_follow(server, now, token: str) -> str:
    status, voucher = answer(server.request(
        "POST", RESERVE_BY_VALUE.format(store="amazon", offer="amz-fixed"), json_body={"value": "50.00"},
        headers=bearer(token)))
    assert (status, voucher["state"], voucher["code"]) == (201, "RESERVED", None), voucher
    return voucher["voucherId"]


def assert_the_seed_steps(events: list[dict], voucher: dict) -> None:
    """RESERVED, CONFIRMED, READY, each once, in the REST API's shapes; the code only at READY,
    and then the voucher's final code."""
    assert len({e["id"] for e in events}) == len(events) == 3
    by_type = {e["type"]: e["data"] for e in events}
    assert sorted(by_type) == ["CONFIRMED", "READY", "RESERVED"]
    for step, data in by_type.items():
        assert data["state"] == step and data["voucherId"] == voucher["voucherId"]
        assert DECIMAL.match(data["value"]) and DECIMAL.match(data["price"]), data
        assert {k: data[k] for k in ("value", "price", "currency", "storeId", "offerId")} == {
            k: voucher[k] for k in ("value", "price", "currency", "storeId", "offerId")}
    assert (by_type["RESERVED"]["code"], by_type["CONFIRMED"]["code"]) == (None, None)
    assert by_type["READY"]["code"] == voucher["code"] == "AMZ-0001-AAAA"


def test_the_notification_url_registered_in_the_admin_api_gets_the_seed_steps(
    jackpot_url, jackpot_clock, ve_server, receiver,
):
    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        client_id, client_secret = voucher_engine_admin.bootstrap(engine, "acme", scopes=("admin:webhooks",))
    server = serve_with_worker(ve_server, jackpot_url, jackpot_clock)

    # The seed: "you provide a notification https URL (in the administration interface)".
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    status, issued = answer(server.request(
        "POST", "/admin/oauth/token", data=b"grant_type=client_credentials",
        headers={"content-type": "application/x-www-form-urlencoded", "authorization": f"Basic {basic}"}))
    assert status == 200, issued
    status, endpoint = answer(server.request(
        "POST", "/admin/webhooks", json_body={"url": receiver.url, "provider": "jackpot"},
        headers=bearer(issued["access_token"])))
    assert (status, endpoint["provider"]) == (201, "jackpot"), endpoint
    status, unknown = answer(server.request(
        "POST", "/admin/webhooks", json_body={"url": receiver.url, "provider": "jackp0t"},
        headers=bearer(issued["access_token"])))
    assert (status, unknown["code"]) == (422, "invalid"), unknown

    vid = reserve_and_follow(server, now, open_session(server, now()))
    status, confirmed = answer(server.request("POST", f"/v2/vouchers/{vid}/confirm", headers=bearer(sign(now()))))
    assert (status, confirmed["state"], confirmed["code"]) == (200, "CONFIRMED", None)
    wait_for(lambda: len(receiver.received) >= 3)
    status, voucher = answer(server.request("GET", f"/v2/vouchers/{vid}", headers=bearer(sign(now()))))
    assert (status, voucher["state"]) == (200, "READY")
    # Every delivery signed with the endpoint's secret (standardwebhooks), and only the steps:
    # none of the core's own events (pool.codes_added, voucher.issued ...) reached the partner.
    assert_the_seed_steps(receiver.verify(endpoint["secret"]), voucher)


def test_auto_confirm_takes_a_reservation_to_ready_by_itself(jackpot_url, jackpot_clock, ve_server, receiver):
    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        endpoint = register_notification_url(Webhooks(engine, WEBHOOKS), "acme", receiver.url)
    # As an operator turns it on for `voucher-engine serve`, whose worker then does the rest.
    server = serve_with_worker(ve_server, jackpot_url, jackpot_clock, env={AUTO_CONFIRM_VARIABLE: "1"})

    vid = reserve_and_follow(server, now, open_session(server, now()))
    wait_for(lambda: len(receiver.received) >= 3)
    status, voucher = answer(server.request("GET", f"/v2/vouchers/{vid}", headers=bearer(sign(now()))))
    assert (status, voucher["state"]) == (200, "READY")
    assert_the_seed_steps(receiver.verify(endpoint.secret), voucher)
    # A partner that confirms anyway gets the voucher, as for any repeated confirmation.
    status, again = answer(server.request("POST", f"/v2/vouchers/{vid}/confirm", headers=bearer(sign(now()))))
    assert (status, again["state"], again["code"]) == (200, "READY", "AMZ-0001-AAAA")


def test_cancel_and_expiry_release_the_session_in_the_same_transaction(jackpot_url, jackpot_clock, start_server):
    """With the session's release refused (a veto on it, in the server), neither a cancellation
    nor an expiry leaves the voucher CANCELLED or EXPIRED while its session still holds the
    amount: the voucher's change and the release commit together or not at all."""
    import jackpot_veto_plugin

    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        server = start_server(jackpot_url, plugins=[voucher_engine_jackpot, jackpot_veto_plugin])
        vouchers = []
        for _ in range(2):
            status, voucher = answer(server.request(
                "POST", RESERVE_BY_VALUE.format(store="amazon", offer="amz-range"), json_body={"value": "20.00"},
                headers=bearer(open_session(server, now()))))
            assert status == 201, voucher
            vouchers.append(voucher["voucherId"])
        cancelled, expired = vouchers
        before = written(engine)
        assert before["reserved"] == 4000

        status, refused = answer(server.request("POST", f"/v2/vouchers/{cancelled}/cancel", headers=bearer(sign(now()))))
        assert (status, refused["code"]) == (409, "vetoed"), refused
        jackpot_clock.advance(timedelta(minutes=15))  # the second reservation is overdue; its call expires it
        status, refused = answer(server.request("GET", f"/v2/vouchers/{expired}", headers=bearer(sign(now()))))
        assert (status, refused["code"]) == (409, "vetoed"), refused

        assert [engine.get_voucher("acme", voucher_id=v).state.value for v in vouchers] == ["reserved", "reserved"]
        assert written(engine) == before  # no voucher changed, no event, the sessions still hold 40.00


def test_one_session_reserves_once_across_two_server_processes(jackpot_url, jackpot_clock, start_server):
    """The guard is the spend's conditional UPDATE (``ended_at IS NULL AND reserved + :price <=
    amount``): 16 reservations on one session at once, through two server processes on one
    database, give exactly one 201. (On PostgreSQL this fails when the spend is turned into a
    read-then-write; on SQLite every write transaction is BEGIN IMMEDIATE, so there is no window.)"""
    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        servers = [start_server(jackpot_url), start_server(jackpot_url)]
        token = open_session(servers[0], now())
        before = written(engine)
        path = RESERVE_BY_VALUE.format(store="amazon", offer="amz-range")
        with ThreadPoolExecutor(THREADS) as pool:
            replies = list(pool.map(
                lambda i: answer(servers[i % 2].request("POST", path, json_body={"value": f"{5 * (1 + i % 8)}.00"},
                                                        headers=bearer(token))),
                range(THREADS)))
        assert sorted(status for status, _ in replies) == [201] + [401] * (THREADS - 1), replies
        assert {body["code"] for status, body in replies if status == 401} == {"session_ended"}
        (winner,) = [body for status, body in replies if status == 201]
        after = written(engine)
        assert after["vouchers"] - before["vouchers"] == 1
        assert after["reserved"] == int(winner["price"].replace(".", ""))
        assert engine.get_session("acme", engine.get_voucher("acme", voucher_id=winner["voucherId"]).metadata[
            "jackpot"]["session"]).reserved.minor == after["reserved"]
