"""What a partner client replaying the seed meets, against one real server process per
database (shared by this module; each test has a tenant of its own): the token path as the seed
spells it, amounts that overflow, proposals that can all be reserved, one answer for an expired
reservation, cancellation and expiry in one transaction with the session's release, and one
reservation per session across two server processes. (The webhooks: test_jackpot_webhook_server.)"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jackpot_veto_plugin
import jwt
import pytest
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

import voucher_engine_jackpot
from voucher_engine import Engine
from voucher_engine.delivery import Worker
from voucher_engine.testing import BACKENDS, Response, Server, SharedClock, fresh_database_url, start_server

THREADS = 16
RESERVE_BY_VALUE = "/v2/stores/{store}/offers/{offer}/reserve-voucher-by-value"
PLUGINS = [voucher_engine_jackpot, jackpot_veto_plugin]


@dataclass
class Deployment:
    url: str
    clock: SharedClock
    server: Server
    engine: Engine
    folder: Any

    def tenant(self, name: str) -> Tenant:
        set_up_tenant(self.engine, name)
        return Tenant(self, name)


@dataclass
class Tenant:
    """One test's partner account on the shared deployment: requests as its partner makes them."""

    at: Deployment
    name: str

    def now(self):
        return self.at.clock.now()

    def jwt(self, **claims: Any) -> str:
        return sign(self.now(), tenant=self.name, **claims)

    def session_jwt(self, amount: object = "50.00", **claims: Any) -> str:
        return session_jwt(self.now(), amount, tenant=self.name, **claims)

    def open_session(self, server: Server | None = None) -> str:
        reply = (server or self.at.server).request("POST", "/v2/token", json_body={"token": self.session_jwt()})
        status, body = answer(reply)
        assert status == 201, body
        return body["sessionToken"]

    def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        return answer(self.at.server.request(method, path, **kwargs))

    def reserve(self, offer: str = "amz-range", value: str = "20.00", store: str = "amazon") -> str:
        status, voucher = self.request(
            "POST",
            RESERVE_BY_VALUE.format(store=store, offer=offer),
            json_body={"value": value},
            headers=bearer(self.open_session()),
        )
        assert status == 201, voucher
        return voucher["voucherId"]

    def utility(self, method: str, vid: str, route: str = "") -> tuple[int, Any]:
        return self.request(method, f"/v2/vouchers/{vid}{route}", headers=bearer(self.jwt()))

    def state(self, vid: str) -> str:
        return self.at.engine.get_voucher(self.name, voucher_id=vid).state.value

    def held(self, vid: str) -> int:
        """What the session that bought ``vid`` still holds, in minor units."""
        session = self.at.engine.get_voucher(self.name, voucher_id=vid).metadata["jackpot"]["session"]
        return self.at.engine.get_session(self.name, session).reserved.minor


@pytest.fixture(scope="module", params=BACKENDS)
def deployment(request, tmp_path_factory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp(f"jackpot-{request.param}")
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(contextlib.contextmanager(fresh_database_url)(request.param, folder, migrated=True))
        clock = SharedClock(folder / "clock")
        server = start_server(url, plugins=PLUGINS, mounts={"jackpot": "/"}, clock=clock, workdir=folder / "servers")
        stack.callback(server.stop)
        engine = stack.enter_context(open_jackpot_engine(url, clock))
        yield Deployment(url, clock, server, engine, folder)


def answer(reply: Response) -> tuple[int, Any]:
    return reply.status, json.loads(reply.body)


def signed_raw(payload: bytes) -> str:
    """A partner JWT over exactly these payload bytes (PyJWT would write 1e999 as Infinity)."""
    return jwt.api_jws.PyJWS().encode(payload, SECRET, algorithm="HS256")


def test_the_seed_token_path_and_amounts_that_overflow(deployment: Deployment) -> None:
    acme = deployment.tenant("token-path")

    # "POST /V2/token", as the seed writes it: the same exchange as /v2/token, single use across both.
    token = acme.session_jwt()
    status, session = acme.request("POST", "/V2/token", json_body={"token": token})
    assert (status, session["amount"], session["currency"]) == (201, "50.00", "EUR")
    assert acme.request("GET", "/v2/stores", headers=bearer(session["sessionToken"]))[0] == 200
    for path in ("/V2/token", "/v2/token"):
        assert acme.request("POST", path, json_body={"token": token})[1]["code"] == "token_already_used"

    before = written(deployment.engine)
    iat = int(acme.now().timestamp())
    claims = (
        f'"iss":"{PARTNER}","tenant":"{acme.name}","iat":{iat},"exp":{iat + 300},'
        f'"currency":"EUR","customerReference":"c-1"'
    )
    for jwt_, expected in [
        # Forged: refused for its signature before its amount is read.
        (acme.session_jwt(amount="1e999999999", secret="x" * 48), (401, "unauthorized")),
        (acme.session_jwt(amount="1e999999999"), (422, "invalid_amount")),
        (signed_raw(f'{{{claims},"jti":"a2","amount":1e999999999}}'.encode()), (422, "invalid_amount")),
        (signed_raw(f'{{{claims},"jti":"a3","amount":NaN}}'.encode()), (422, "invalid_amount")),
        (signed_raw(f'{{{claims},"jti":"a4","amount":-Infinity}}'.encode()), (422, "invalid_amount")),
    ]:
        status, body = acme.request("POST", "/V2/token", json_body={"token": jwt_})
        assert (status, body["code"]) == expected, (jwt_, body)
    assert written(deployment.engine) == before  # no session opened


def test_every_proposal_can_be_reserved(deployment: Deployment) -> None:
    acme = deployment.tenant("proposals")
    deployment.engine.pop_code(acme.name, "zal-fixed", reference="sold elsewhere")  # Zalando's only code
    token = bearer(acme.open_session())

    status, by_amount = acme.request("GET", "/v2/stores/proposed-vouchers", headers=token)
    assert (status, [p["storeId"] for p in by_amount]) == (200, ["amazon"])
    assert acme.request("GET", "/v2/stores/zalando/proposed-vouchers", headers=token) == (200, [])
    status, offer = acme.request("GET", "/v2/stores/zalando/offers/zal-fixed", headers=token)
    assert (status, offer["offer"]["denominations"], offer["proposals"]) == (200, ["20.00", "40.00"], [])
    status, of_amazon = acme.request("GET", "/v2/stores/amazon/proposed-vouchers", headers=token)
    assert status == 200 and of_amazon

    # Each proposal listed, reserved as proposed by a session of its own: none is refused.
    for proposal in by_amount + of_amazon:
        path = RESERVE_BY_VALUE.format(store=proposal["storeId"], offer=proposal["offerId"])
        status, voucher = acme.request(
            "POST", path, json_body={"value": proposal["value"]}, headers=bearer(acme.open_session())
        )
        assert (status, voucher["value"], voucher["price"]) == (201, proposal["value"], proposal["price"]), voucher


def test_an_expired_reservation_answers_the_same_whoever_expired_it(deployment: Deployment) -> None:
    acme = deployment.tenant("expiry")
    # The default reservation_ttl is 15 minutes: A's runs out while B's still runs.
    by_job = acme.reserve()
    deployment.clock.advance(timedelta(minutes=10))
    lazily = acme.reserve()
    deployment.clock.advance(timedelta(minutes=5))
    worker = Worker(deployment.engine, WEBHOOKS)  # a real worker on the same database runs A's expiry job
    try:
        while not worker.run_once().idle:
            pass
    finally:
        worker.close()
    assert [acme.state(by_job), acme.state(lazily)] == ["expired", "reserved"]
    assert (acme.held(by_job), acme.held(lazily)) == (0, 2000)
    deployment.clock.advance(timedelta(minutes=10))  # B overdue too, and no worker runs now

    status, seen = acme.utility("GET", lazily)  # the first call about B finds it overdue and expires it
    assert (status, seen["state"], seen["code"]) == (200, "EXPIRED", None)
    assert acme.held(lazily) == 0
    for vid in (by_job, lazily):
        for route in ("/confirm", "/cancel"):
            status, body = acme.utility("POST", vid, route)
            assert (status, body["code"]) == (409, "reservation_expired"), (vid, route, body)
        assert acme.utility("GET", vid)[1]["state"] == "EXPIRED"
        status, body = acme.utility("GET", vid, "/ready-url")
        assert (status, body["code"]) == (409, "voucher_not_ready")


def test_cancel_and_expiry_release_the_session_in_the_same_transaction(deployment: Deployment) -> None:
    """With the session's release refused (``jackpot_veto_plugin``, in the server, for this
    tenant), neither a cancellation nor an expiry leaves the voucher CANCELLED or EXPIRED while
    its session still holds the amount: the change and the release commit together or not at all."""
    acme = deployment.tenant(jackpot_veto_plugin.NO_RELEASE)
    cancelled, expired = acme.reserve(), acme.reserve()
    before = written(deployment.engine)

    status, refused = acme.utility("POST", cancelled, "/cancel")
    assert (status, refused["code"]) == (409, "vetoed"), refused
    deployment.clock.advance(timedelta(minutes=15))  # the second reservation is overdue; a call expires it
    status, refused = acme.utility("GET", expired)
    assert (status, refused["code"]) == (409, "vetoed"), refused

    assert [acme.state(cancelled), acme.state(expired)] == ["reserved", "reserved"]
    assert (acme.held(cancelled), acme.held(expired)) == (2000, 2000)
    assert written(deployment.engine) == before  # no voucher changed, no event, no ledger entry


def test_one_session_reserves_once_across_two_server_processes(deployment: Deployment) -> None:
    """The guard is the spend's conditional UPDATE (``ended_at IS NULL AND reserved + :price <=
    amount``): 16 reservations on one session at once, through two server processes on one
    database, give exactly one 201. The tenant's vouchers are issued slowly (``jackpot_veto_plugin``),
    holding each reservation's transaction open after its spend. (On PostgreSQL this fails when
    the spend is turned into a read-then-write; on SQLite every write transaction is BEGIN
    IMMEDIATE, so there is no window to widen.)"""
    acme = deployment.tenant(jackpot_veto_plugin.SLOW_ISSUE)
    second = start_server(
        deployment.url,
        plugins=PLUGINS,
        mounts={"jackpot": "/"},
        clock=deployment.clock,
        workdir=deployment.folder / "servers",
    )
    try:
        servers = [deployment.server, second]
        token = acme.open_session()
        before = written(deployment.engine)
        path = RESERVE_BY_VALUE.format(store="amazon", offer="amz-range")
        with ThreadPoolExecutor(THREADS) as pool:
            replies = list(
                pool.map(
                    lambda i: answer(
                        servers[i % 2].request(
                            "POST", path, json_body={"value": f"{5 * (1 + i % 8)}.00"}, headers=bearer(token)
                        )
                    ),
                    range(THREADS),
                )
            )
    finally:
        second.stop()
    assert sorted(status for status, _ in replies) == [201] + [401] * (THREADS - 1), replies
    assert {body["code"] for status, body in replies if status == 401} == {"session_ended"}
    (winner,) = [body for status, body in replies if status == 201]
    after = written(deployment.engine)
    assert after["vouchers"] - before["vouchers"] == 1
    assert (
        after["reserved"] - before["reserved"]
        == acme.held(winner["voucherId"])
        == int(winner["price"].replace(".", ""))
    )
