"""The seed's webhooks as a partner receives them: real signed deliveries from the worker of a
real server process (``jackpot_served_app``: the kit's app with the admin API and the worker
allowed to reach a loopback receiver), on both databases. The notification URL registered "in
the administration interface" gets RESERVED, CONFIRMED, READY in the REST API's shapes; with
``auto_confirm`` the reservation gets there by itself."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from jackpot_support import WEBHOOKS, bearer, open_jackpot_engine, session_jwt, set_up_tenant, sign

import voucher_engine_admin
import voucher_engine_jackpot
from voucher_engine.delivery import Webhooks
from voucher_engine.testing import Response
from voucher_engine_jackpot import register_notification_url

HERE = Path(__file__).parent
#: The documented switch of JackpotSettings.auto_confirm for `voucher-engine serve`.
#: The configuration key [providers.jackpot] auto_confirm, as a variable.
AUTO_CONFIRM_VARIABLE = "VOUCHER_ENGINE_PROVIDERS_JACKPOT_AUTO_CONFIRM"
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


def open_session(server, now) -> str:
    status, body = answer(server.request("POST", "/v2/token", json_body={"token": session_jwt(now)}))
    assert status == 201, body
    return body["sessionToken"]


def serve_with_worker(ve_server, url: str, clock, env: dict[str, str] | None = None):
    """A real server process with the admin API and a worker thread (``jackpot_served_app``)."""
    return ve_server(
        url,
        plugins=[voucher_engine_jackpot, voucher_engine_admin],
        mounts={"jackpot": "/"},
        clock=clock,
        app="jackpot_served_app:create_app",
        env={"PYTHONPATH": str(HERE), **(env or {})},
    )


def reserve_and_follow(server, now, token: str) -> str:
    status, voucher = answer(
        server.request(
            "POST",
            RESERVE_BY_VALUE.format(store="amazon", offer="amz-fixed"),
            json_body={"value": "50.00"},
            headers=bearer(token),
        )
    )
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
            k: voucher[k] for k in ("value", "price", "currency", "storeId", "offerId")
        }
    assert (by_type["RESERVED"]["code"], by_type["CONFIRMED"]["code"]) == (None, None)
    assert by_type["READY"]["code"] == voucher["code"] == "AMZ-0001-AAAA"


def test_the_notification_url_registered_in_the_admin_api_gets_the_seed_steps(
    jackpot_url,
    jackpot_clock,
    ve_server,
    receiver,
):
    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        client_id, client_secret = voucher_engine_admin.bootstrap(engine, "acme", scopes=("admin:webhooks",))
    server = serve_with_worker(ve_server, jackpot_url, jackpot_clock)

    # The seed: "you provide a notification https URL (in the administration interface)".
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    status, issued = answer(
        server.request(
            "POST",
            "/admin/oauth/token",
            data=b"grant_type=client_credentials",
            headers={"content-type": "application/x-www-form-urlencoded", "authorization": f"Basic {basic}"},
        )
    )
    assert status == 200, issued
    status, endpoint = answer(
        server.request(
            "POST",
            "/admin/webhooks",
            json_body={"url": receiver.url, "provider": "jackpot"},
            headers=bearer(issued["access_token"]),
        )
    )
    assert (status, endpoint["provider"]) == (201, "jackpot"), endpoint
    status, unknown = answer(
        server.request(
            "POST",
            "/admin/webhooks",
            json_body={"url": receiver.url, "provider": "jackp0t"},
            headers=bearer(issued["access_token"]),
        )
    )
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
