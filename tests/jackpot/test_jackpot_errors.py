"""Every refusal of the Jackpot API, through the real ASGI app on both databases: a clear JSON
error with a stable code and the right status, and nothing written."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from jackpot_support import OTHER_PARTNER, OTHER_SECRET, bearer, session_jwt, sign, written
from sqlalchemy import func, select

from dbsupport import database_of
from voucher_engine.storage.identity_tables import partner_jtis

RESERVE = "/v2/stores/amazon/offers/amz-fixed/reserve-voucher-by-price"


def used_jtis(engine) -> int:
    with database_of(engine).read() as conn:
        return conn.execute(select(func.count()).select_from(partner_jtis)).scalar_one()


def error(response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"code", "message"} and body["message"], body
    return response.status_code, body["code"]


def open_session(client, now, amount: str = "50.00") -> str:
    answer = client.post("/v2/token", json={"token": session_jwt(now, amount)})
    assert answer.status_code == 201, answer.text
    return answer.json()["sessionToken"]


def test_a_jwt_opens_one_session_only(client, jackpot_engine, jackpot_clock):
    token = session_jwt(jackpot_clock.now())
    assert client.post("/v2/token", json={"token": token}).status_code == 201
    before = written(jackpot_engine)
    assert error(client.post("/v2/token", json={"token": token})) == (401, "token_already_used")
    assert written(jackpot_engine) == before


def test_unusable_jwts_are_refused_and_write_nothing(client, jackpot_engine, jackpot_clock):
    now = jackpot_clock.now()
    good = session_jwt(now)
    header, payload, signature = good.split(".")
    tampered_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"50.00"', b'"5000.00"')
    ).decode()
    before, jtis = written(jackpot_engine), used_jtis(jackpot_engine)
    for token, expected in [
        (
            jwt.encode({**jwt.decode(good, options={"verify_signature": False})}, None, algorithm="none"),
            (401, "unauthorized"),
        ),
        (session_jwt(now, secret="x" * 48), (401, "unauthorized")),  # wrongly signed
        (session_jwt(now - timedelta(hours=1)), (401, "unauthorized")),  # expired
        (f"{header}.{tampered_payload}.{signature}", (401, "unauthorized")),  # amount changed
        (session_jwt(now, partner="nobody"), (401, "unauthorized")),
        (session_jwt(now, tenant="globex"), (401, "unauthorized")),
        (session_jwt(now, jti=None), (401, "unauthorized")),
        ("not-a-jwt", (401, "unauthorized")),
    ]:
        assert error(client.post("/v2/token", json={"token": token})) == expected, token
    assert error(client.post("/v2/token", content=b'{"token": ', headers={"content-type": "application/json"})) == (
        400,
        "malformed",
    )
    assert error(client.post("/v2/token", json={"token": good, "amount": "99.00"})) == (422, "invalid")
    assert error(client.post("/v2/token", json={})) == (422, "invalid")
    assert written(jackpot_engine) == before
    assert used_jtis(jackpot_engine) == jtis  # an unverified JWT is not used up
    assert client.post("/v2/token", json={"token": good}).status_code == 201


def test_signed_jwts_with_unusable_session_claims_open_nothing(client, jackpot_engine, jackpot_clock):
    """The session claims are read only once the signature is verified (which uses the JWT
    up); then an unusable one is a 422 and no session is opened."""
    now = jackpot_clock.now()
    cases = [
        (session_jwt(now, amount=None), (422, "invalid_amount")),
        (session_jwt(now, amount="12.345"), (422, "invalid_amount")),
        (session_jwt(now, amount="-5.00"), (422, "invalid_amount")),
        (session_jwt(now, amount=True), (422, "invalid_amount")),
        (session_jwt(now, amount="1e999999999"), (422, "invalid_amount")),  # overflows the scaling
        (session_jwt(now, amount="-1e-999999999"), (422, "invalid_amount")),
        (session_jwt(now, amount="NaN"), (422, "invalid_amount")),
        (session_jwt(now, amount="sNaN"), (422, "invalid_amount")),
        (session_jwt(now, amount=float("inf")), (422, "invalid_amount")),  # JSON Infinity, or 1e999
        (session_jwt(now, amount=float("nan")), (422, "invalid_amount")),
        (session_jwt(now, amount=10**4000), (422, "invalid_amount")),
        (session_jwt(now, currency="euro"), (422, "invalid")),
        (session_jwt(now, currency="XXQ"), (422, "unknown_currency")),
        (session_jwt(now, customerReference=None), (422, "invalid")),
    ]
    before, jtis = written(jackpot_engine), used_jtis(jackpot_engine)
    for token, expected in cases:
        assert error(client.post("/v2/token", json={"token": token})) == expected, token
    assert written(jackpot_engine) == before
    assert used_jtis(jackpot_engine) == jtis + len(cases)


def test_a_session_lasts_one_hour(client, jackpot_clock):
    token = open_session(client, jackpot_clock.now())
    jackpot_clock.advance(timedelta(minutes=59, seconds=59))
    assert client.get("/v2/stores", headers=bearer(token)).status_code == 200
    jackpot_clock.advance(timedelta(seconds=1))
    assert error(client.get("/v2/stores", headers=bearer(token))) == (401, "session_expired")
    assert error(client.post(RESERVE, json={"price": "9.50"}, headers=bearer(token))) == (401, "session_expired")


def test_session_routes_refuse_other_credentials(client, jackpot_clock):
    now = jackpot_clock.now()
    assert error(client.get("/v2/stores")) == (401, "unauthorized")
    assert error(client.get("/v2/stores", headers=bearer(sign(now)))) == (401, "unauthorized")  # a partner JWT
    assert error(client.get("/v2/stores", headers=bearer("garbage"))) == (401, "unauthorized")


def test_a_session_reserves_once(client, jackpot_engine, jackpot_clock):
    token = open_session(client, jackpot_clock.now(), "100.00")
    assert client.post(RESERVE, json={"price": "9.50"}, headers=bearer(token)).status_code == 201
    before = written(jackpot_engine)
    assert error(client.post(RESERVE, json={"price": "9.50"}, headers=bearer(token))) == (401, "session_ended")
    assert error(client.get("/v2/stores/proposed-vouchers", headers=bearer(token))) == (401, "session_ended")
    assert written(jackpot_engine) == before


def test_nothing_beyond_the_session_amount(client, jackpot_engine, jackpot_clock):
    token = open_session(client, jackpot_clock.now(), "30.00")
    before = written(jackpot_engine)
    over = client.post(
        "/v2/stores/amazon/offers/amz-range/reserve-voucher-by-value", json={"value": "35.00"}, headers=bearer(token)
    )
    assert error(over) == (422, "session_amount_exceeded")
    assert error(client.post(RESERVE, json={"price": "47.50"}, headers=bearer(token))) == (
        422,
        "session_amount_exceeded",
    )
    assert error(client.get("/v2/stores/proposed-vouchers", params={"amount": "30.01"}, headers=bearer(token))) == (
        422,
        "session_amount_exceeded",
    )
    proposals = client.get("/v2/stores/amazon/proposed-vouchers", headers=bearer(token)).json()
    assert proposals and max(float(p["price"]) for p in proposals) == 30.00
    offer = client.get("/v2/stores/amazon/offers/amz-fixed", headers=bearer(token)).json()
    assert [p["value"] for p in offer["proposals"]] == ["25.00", "10.00"]  # 50.00 costs 47.50
    assert written(jackpot_engine) == before
    # The session is still open: the refusals did not use it up.
    assert client.post(RESERVE, json={"price": "23.75"}, headers=bearer(token)).status_code == 201


def test_bad_reservations_write_nothing(client, jackpot_engine, jackpot_clock):
    token = open_session(client, jackpot_clock.now())
    before = written(jackpot_engine)
    json_header = {**bearer(token), "content-type": "application/json"}
    for path, body, expected in [
        (RESERVE, b'{"price": ', (400, "malformed")),
        (RESERVE, b'{"price": 9.5}', (422, "invalid")),
        (RESERVE, b'{"price": "9.50", "value": "10.00"}', (422, "invalid")),
        (RESERVE, b"{}", (422, "invalid")),
        (RESERVE, b'{"price": "9.00"}', (422, "invalid_amount")),  # no value of the offer costs that
        ("/v2/stores/amazon/offers/amz-fixed/reserve-voucher-by-value", b'{"value": "20.00"}', (422, "invalid_amount")),
        (
            "/v2/stores/zalando/offers/amz-fixed/reserve-voucher-by-price",
            b'{"price": "9.50"}',
            (404, "offer_not_found"),
        ),
        (
            "/v2/stores/nowhere/offers/amz-fixed/reserve-voucher-by-price",
            b'{"price": "9.50"}',
            (404, "store_not_found"),
        ),
        ("/v2/stores/amazon/offers/nothing/reserve-voucher-by-price", b'{"price": "9.50"}', (404, "offer_not_found")),
    ]:
        assert error(client.post(path, content=body, headers=json_header)) == expected, (path, body)
    assert written(jackpot_engine) == before
    assert client.post(RESERVE, json={"price": "9.50"}, headers=bearer(token)).status_code == 201


def test_a_sold_out_offer_cannot_be_reserved(client, jackpot_engine, jackpot_clock):
    jackpot_engine.pop_code("acme", "zal-fixed", reference="elsewhere")
    token = open_session(client, jackpot_clock.now())
    before = written(jackpot_engine)
    answer = client.post(
        "/v2/stores/zalando/offers/zal-fixed/reserve-voucher-by-value", json={"value": "20.00"}, headers=bearer(token)
    )
    assert error(answer) == (409, "offer_unavailable")
    assert written(jackpot_engine) == before


@pytest.fixture
def reserved(client, jackpot_clock) -> str:
    token = open_session(client, jackpot_clock.now())
    answer = client.post(RESERVE, json={"price": "23.75"}, headers=bearer(token))
    assert answer.status_code == 201
    return answer.json()["voucherId"]


def test_utility_routes_from_the_wrong_state(client, jackpot_engine, jackpot_clock, reserved):
    def call(method: str, route: str):
        return client.request(method, f"/v2/vouchers/{reserved}{route}", headers=bearer(sign(jackpot_clock.now())))

    before = written(jackpot_engine)
    assert error(call("POST", "/refund-request")) == (409, "voucher_not_ready")
    assert error(call("GET", "/ready-url")) == (409, "voucher_not_ready")
    assert error(call("GET", "/attachment")) == (409, "voucher_not_ready")
    assert written(jackpot_engine) == before

    assert call("POST", "/confirm").json()["state"] == "CONFIRMED"
    again = call("POST", "/confirm")  # a retried confirmation answers the same
    assert (again.status_code, again.json()["state"]) == (200, "CONFIRMED")
    confirmed = written(jackpot_engine)
    assert error(call("POST", "/cancel")) == (409, "voucher_not_reserved")
    assert error(call("POST", "/refund-request")) == (409, "voucher_not_ready")
    assert written(jackpot_engine) == confirmed


def test_cancel_releases_the_session_amount(client, jackpot_engine, jackpot_clock, reserved):
    assert written(jackpot_engine)["reserved"] == 2375
    cancelled = client.post(f"/v2/vouchers/{reserved}/cancel", headers=bearer(sign(jackpot_clock.now())))
    assert (cancelled.status_code, cancelled.json()["state"]) == (200, "CANCELLED")
    assert written(jackpot_engine)["reserved"] == 0
    for route in ("/cancel", "/confirm"):
        answer = client.post(f"/v2/vouchers/{reserved}{route}", headers=bearer(sign(jackpot_clock.now())))
        assert error(answer) == (409, "voucher_not_reserved")


def test_another_partners_voucher_is_not_found(client, jackpot_engine, jackpot_clock, reserved):
    now = jackpot_clock.now()
    other = sign(now, partner=OTHER_PARTNER, secret=OTHER_SECRET)
    before = written(jackpot_engine)
    for method, route in [
        ("GET", ""),
        ("POST", "/confirm"),
        ("POST", "/cancel"),
        ("GET", "/ready-url"),
        ("GET", "/attachment"),
        ("POST", "/refund-request"),
    ]:
        answer = client.request(
            method,
            f"/v2/vouchers/{reserved}{route}",
            headers=bearer(sign(now, partner=OTHER_PARTNER, secret=OTHER_SECRET)),
        )
        assert error(answer) == (404, "voucher_not_found"), route
    assert error(client.get("/v2/vouchers/vch_nothing", headers=bearer(other))) == (404, "voucher_not_found")
    assert written(jackpot_engine) == before
    assert error(client.get(f"/v2/vouchers/{reserved}", headers=bearer(other))) == (401, "token_already_used")
    assert error(client.get(f"/v2/vouchers/{reserved}")) == (401, "unauthorized")
