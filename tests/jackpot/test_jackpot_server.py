"""The key exchanges against a real server process (the test kit's) serving the provider at
"/", on both databases, on the test's clock: the partner's whole flow (webhooks verified with ``standardwebhooks``, the PDF
downloaded), a JWT replayed in parallel, 16 parallel reservations on one session, and the
refusals a partner meets most."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from jackpot_support import (
    OTHER_PARTNER,
    OTHER_SECRET,
    WEBHOOKS,
    bearer,
    open_jackpot_engine,
    session_jwt,
    set_up_tenant,
    sign,
    written,
)

from voucher_engine.delivery import Webhooks, Worker
from voucher_engine.testing import Response
from voucher_engine_jackpot import register_notification_url

THREADS = 16
RESERVE = "/v2/stores/amazon/offers/amz-fixed/reserve-voucher-by-price"


def answer(reply: Response) -> tuple[int, dict]:
    return reply.status, json.loads(reply.body)


def test_the_partner_flow_against_a_real_server(jackpot_url, jackpot_clock, start_server, receiver):
    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        endpoint = register_notification_url(Webhooks(engine, WEBHOOKS), "acme", receiver.url)
        server = start_server(jackpot_url)

        status, session = answer(server.request("POST", "/v2/token", json_body={"token": session_jwt(now())}))
        assert status == 201, session
        token = session["sessionToken"]
        status, stores = answer(server.request("GET", "/v2/stores", headers=bearer(token)))
        assert (status, [s["id"] for s in stores]) == (200, ["amazon", "zalando"])
        status, voucher = answer(server.request("POST", RESERVE, json_body={"price": "47.50"}, headers=bearer(token)))
        assert (status, voucher["state"]) == (201, "RESERVED")
        vid = voucher["voucherId"]
        assert (
            answer(server.request("POST", RESERVE, json_body={"price": "9.50"}, headers=bearer(token)))[1]["code"]
            == "session_ended"
        )

        assert answer(server.request("POST", f"/v2/vouchers/{vid}/refund-request", headers=bearer(sign(now())))) == (
            409,
            {"code": "voucher_not_ready", "message": "the voucher is RESERVED, not READY"},
        )
        assert (
            answer(server.request("POST", f"/v2/vouchers/{vid}/confirm", headers=bearer(sign(now()))))[1]["state"]
            == "CONFIRMED"
        )
        status, refused = answer(server.request("POST", f"/v2/vouchers/{vid}/cancel", headers=bearer(sign(now()))))
        assert (status, refused["code"]) == (409, "voucher_not_reserved")
        other = bearer(sign(now(), partner=OTHER_PARTNER, secret=OTHER_SECRET))
        status, hidden = answer(server.request("GET", f"/v2/vouchers/{vid}", headers=other))
        assert (status, hidden["code"]) == (404, "voucher_not_found")

        worker = Worker(engine, WEBHOOKS)
        try:
            while not worker.run_once().idle:
                pass
        finally:
            worker.close()
        events = receiver.verify(endpoint.secret)  # standardwebhooks, on the test's clock
        # The partner's shape: each step named as such, the voucher as the REST API shows it.
        assert sorted((e["type"], e["data"]["state"]) for e in events) == [
            ("CONFIRMED", "CONFIRMED"),
            ("READY", "READY"),
            ("RESERVED", "RESERVED"),
        ]

        reply = server.request("GET", f"/v2/vouchers/{vid}/attachment", headers=bearer(sign(now())))
        status, pdf, headers = reply.status, reply.body, reply.headers
        assert (status, headers["content-type"]) == (200, "application/pdf")
        assert pdf.startswith(b"%PDF-") and b"Voucher code: AMZ-0001-AAAA" in pdf
        assert (
            answer(server.request("POST", f"/v2/vouchers/{vid}/refund-request", headers=bearer(sign(now()))))[1][
                "state"
            ]
            == "REFUND_REQUESTED"
        )


def test_parallel_requests_against_a_real_server(jackpot_url, jackpot_clock, start_server):
    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        server = start_server(jackpot_url)

        # One JWT presented 16 times at once opens exactly one session.
        jwt_once = session_jwt(now(), "50.00")
        with ThreadPoolExecutor(THREADS) as pool:
            replies = list(
                pool.map(
                    lambda _: answer(server.request("POST", "/v2/token", json_body={"token": jwt_once})), range(THREADS)
                )
            )
        assert sorted(status for status, _ in replies) == [201] + [401] * (THREADS - 1)
        assert {body["code"] for status, body in replies if status == 401} == {"token_already_used"}
        token = next(body["sessionToken"] for status, body in replies if status == 201)

        # 16 reservations at once on one 50.00 session, each within it: exactly one succeeds.
        before = written(engine)
        with ThreadPoolExecutor(THREADS) as pool:
            replies = list(
                pool.map(
                    lambda _: answer(
                        server.request("POST", RESERVE, json_body={"price": "23.75"}, headers=bearer(token))
                    ),
                    range(THREADS),
                )
            )
        assert sorted(status for status, _ in replies) == [201] + [401] * (THREADS - 1)
        assert {body["code"] for status, body in replies if status == 401} == {"session_ended"}
        after = written(engine)
        assert (after["vouchers"] - before["vouchers"], after["reserved"]) == (1, 2375)


def test_refusals_against_a_real_server(jackpot_url, jackpot_clock, start_server):
    now = jackpot_clock.now
    with open_jackpot_engine(jackpot_url, jackpot_clock) as engine:
        set_up_tenant(engine)
        server = start_server(jackpot_url)
        expired_jwt = session_jwt(now() - timedelta(hours=2))
        assert server.request("POST", "/v2/token", json_body={"token": expired_jwt}).status == 401

        token = answer(server.request("POST", "/v2/token", json_body={"token": session_jwt(now(), "30.00")}))[1][
            "sessionToken"
        ]
        before = written(engine)
        status, over = answer(server.request("POST", RESERVE, json_body={"price": "47.50"}, headers=bearer(token)))
        assert (status, over["code"]) == (422, "session_amount_exceeded")
        status, bad = answer(server.request("POST", RESERVE, json_body={"price": 9.5}, headers=bearer(token)))
        assert (status, bad["code"]) == (422, "invalid")
        assert written(engine) == before

        # An hour later (the test's clock, which the server reads, moved), the token is refused.
        jackpot_clock.advance(timedelta(hours=1, seconds=1))
        status, expired = answer(server.request("GET", "/v2/stores", headers=bearer(token)))
        assert (status, expired["code"]) == (401, "session_expired")
        status, expired = answer(server.request("POST", RESERVE, json_body={"price": "9.50"}, headers=bearer(token)))
        assert (status, expired["code"]) == (401, "session_expired")
        assert written(engine) == before
