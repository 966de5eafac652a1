"""The seed's rules through the app: expiry and redeemDate (1012), cancelled (1014), wrong
domain (1010), completed (1013), reduction refused (1011), per-domain permissions (1003),
refresh-token reuse, and the JWT codes 1006-1009."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from vouchercart_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ALL,
    CODE,
    FORM,
    JSON,
    NOW,
    TENANT,
    WINDOW_FROM,
    WINDOW_TO,
    add_staff,
    basic,
    bearer,
    identity,
    issue,
    login,
    monetary,
    staff_rows,
    written,
)

from voucher_engine import VoucherKind


def redeem(client, token: str, data: str):
    return client.post("/v1/redeem", content=data.encode(), headers={**bearer(token), **FORM})


def error(response, status: int, code: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["code"], body["status"]) == (code, "failed"), body
    assert isinstance(body["errors"], dict) and isinstance(body["message"], str)
    return body


def test_an_expired_voucher_is_1012_then_redeemable_with_a_redeem_date_inside_its_window(client, vc_engine, vc_clock):
    issue(vc_engine)
    vc_clock.advance(WINDOW_TO - NOW + timedelta(days=3))
    assert vc_engine.expire_due_vouchers() == 1
    token = login(client)["accessToken"]  # a token lives one day: log in after the clock moved
    before = written(vc_engine)
    error(redeem(client, token, f"code={CODE}&domain=1"), 422, 1012)
    error(
        redeem(client, token, f"code={CODE}&domain=1&redeemDate=2017-03-04 10:00"), 422, 1012
    )  # after the window, before now
    assert written(vc_engine) == before
    response = redeem(client, token, f"code={CODE}&domain=1&redeemDate=2017-02-28 18:45")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["redeemHistory"] == [{"amount": 1, "redeemAt": "2017-02-28T18:45:00+0000"}]
    assert body["order"]["redeemedDate"] == "2017-02-28T18:45:00+0000"
    assert (body["status"], body["redeemed"], body["current"]) == ("completed", True, 1)
    [line] = vc_engine.redeem_history("acme", code=CODE)
    assert line.effective_at == datetime(2017, 2, 28, 18, 45, tzinfo=UTC)


def test_a_future_redeem_date_is_refused(client, vc_engine):
    issue(vc_engine)
    token = login(client)["accessToken"]
    body = error(redeem(client, token, f"code={CODE}&domain=1&redeemDate=2016-12-03 10:00"), 422, 1000)
    assert list(body["errors"]) == ["redeemDate"]


def test_cancelled_is_1014_completed_1013_wrong_domain_1010(client, vc_engine):
    issue(vc_engine)
    issue(vc_engine, "CANC-ELLE-D000-0001")
    vc_engine.cancel("acme", code="CANC-ELLE-D000-0001")
    token = login(client)["accessToken"]
    error(redeem(client, token, "code=CANC-ELLE-D000-0001&domain=1"), 422, 1014)
    error(redeem(client, token, f"code={CODE}&domain=2"), 404, 1010)  # redeemable on domain 1 only
    error(client.get(f"/v1/status?code={CODE}&domain=2", headers=bearer(token)), 404, 1010)
    error(redeem(client, token, "code=NOPE-NOPE-NOPE-NOPE&domain=1"), 404, 1010)
    assert redeem(client, token, f"code={CODE}&domain=1").status_code == 200
    error(redeem(client, token, f"code={CODE}&domain=1"), 422, 1013)
    error(redeem(client, token, "code=x&domain=99"), 404, 1004)


def test_reductor_beyond_the_rest_is_1011_and_no_reductor_redeems_everything(client, vc_engine):
    issue(vc_engine, kind=VoucherKind.MULTI_USE, value=5)
    monetary(vc_engine, "MONE-TARY-0000-0001", 2000)
    token = login(client)["accessToken"]
    error(redeem(client, token, f"code={CODE}&domain=1&reductor=6"), 422, 1011)
    assert redeem(client, token, f"code={CODE}&domain=1&reductor=2").json()["current"] == 2
    everything = redeem(client, token, f"code={CODE}&domain=1").json()
    assert (everything["current"], everything["status"], [h["amount"] for h in everything["redeemHistory"]]) == (
        5,
        "completed",
        [2, 3],
    )
    money = redeem(client, token, "code=MONE-TARY-0000-0001&domain=1&reductor=100").json()
    assert (money["current"], money["stock"], money["monetary"], money["multiUsable"]) == (100, 2000, True, True)


def test_a_user_with_only_redeem_voucher_on_domain_1(client, vc_engine):
    add_staff(vc_engine, "redeemer@example.com", "pw1", {1: ("custom", frozenset({"redeem.voucher"}))})
    issue(vc_engine, domains=(1, 2))
    token = login(client, "redeemer@example.com", "pw1")["accessToken"]
    assert redeem(client, token, f"code={CODE}&domain=1&reductor=1").status_code == 200
    error(redeem(client, token, f"code={CODE}&domain=2"), 403, 1003)
    error(client.get(f"/v1/status?code={CODE}&domain=2", headers=bearer(token)), 403, 1003)
    error(client.get("/v1/users", headers=bearer(token)), 403, 1003)
    error(client.post("/v1/users", content=b"{}", headers={**bearer(token), **JSON}), 403, 1003)
    # and it cannot log in to a domain it has no role on
    response = client.post(
        "/v1/authorize",
        content=b"subdomain=other-sales-page",
        headers={"Authorization": "Basic cmVkZWVtZXJAZXhhbXBsZS5jb206cHcx", **FORM},
    )
    error(response, 401, 1001)


def test_refresh_token_reuse_kills_the_sibling_access_token(client):
    first = login(client)
    data = f"accessToken={first['accessToken']}&refreshToken={first['refreshToken']}".encode()
    second = client.put("/v1/refresh", content=data, headers=FORM).json()
    assert client.get("/v1/domains", headers=bearer(second["accessToken"])).status_code == 200
    error(client.put("/v1/refresh", content=data, headers=FORM), 401, 1001)  # presented twice
    error(client.get("/v1/domains", headers=bearer(second["accessToken"])), 401, 1009)
    again = f"accessToken={second['accessToken']}&refreshToken={second['refreshToken']}".encode()
    error(client.put("/v1/refresh", content=again, headers=FORM), 401, 1001)


def test_jwt_failures_are_1006_to_1009(client, vc_clock):
    token = login(client)["accessToken"]
    error(client.get("/v1/domains", headers=bearer("eyJhbGciOi.bm90IGpzb24.c2ln")), 401, 1008)
    forged = jwt.encode(
        {**jwt.decode(token, options={"verify_signature": False})},
        "x" * 32,
        algorithm="HS256",
        headers=jwt.get_unverified_header(token),
    )
    error(client.get("/v1/domains", headers=bearer(forged)), 401, 1009)
    assert jwt.decode(token, options={"verify_signature": False})["iat"] == int(NOW.timestamp())
    vc_clock.advance(timedelta(days=1, minutes=5))
    error(client.get("/v1/domains", headers=bearer(token)), 401, 1006)


def test_unauthenticated_calls_are_1001(client):
    error(client.get("/v1/domains"), 401, 1001)
    error(client.get("/v1/domains", headers=bearer("not-a-key")), 401, 1001)
    error(client.get("/v1/domains", headers={"Authorization": "Basic eDp5"}), 401, 1001)
    error(client.post("/v1/authorize", content=b"subdomain=my-sales-page", headers=FORM), 401, 1001)


def test_method_not_allowed_is_1002(client):
    error(client.get("/v1/authorize"), 405, 1002)
    error(client.delete("/v1/redeem"), 405, 1002)


def test_window_constants_are_the_seed_sample():
    assert (WINDOW_FROM.isoformat(), WINDOW_TO.isoformat()) == (
        "2016-12-02T07:57:29+00:00",
        "2017-03-02T07:57:29+00:00",
    )


def test_an_api_key_of_the_tenant_works_as_the_bearer_until_revoked(client, vc_engine):
    issue(vc_engine)
    keys = identity(vc_engine).api_keys
    admin = identity(vc_engine).staff.find_staff_user(TENANT, email=ADMIN_EMAIL)
    key = keys.create_api_key(TENANT, admin.id, name="till")
    assert client.get("/v1/domains", headers=bearer(key.key)).json()["status"] == "success"
    # a key is valid on every domain of its user: the domain is needed
    error(client.get(f"/v1/status?code={CODE}", headers=bearer(key.key)), 422, 1018)
    assert client.get(f"/v1/status?code={CODE}&domain=1", headers=bearer(key.key)).json()["code"] == CODE
    assert redeem(client, key.key, f"code={CODE}&domain=1").json()["status"] == "completed"
    keys.revoke_api_key(TENANT, key.key_id)
    error(client.get("/v1/domains", headers=bearer(key.key)), 401, 1001)
    error(client.get("/v1/domains", headers=bearer("ak_" + "x" * 43)), 401, 1001)


def test_custom_permissions_are_enforced_not_only_stored(client, vc_engine):
    add_staff(vc_engine, "orders@example.com", "pw1", {1: ("custom", frozenset({"manage.orders"}))})
    issue(vc_engine)
    token = login(client, "orders@example.com", "pw1")["accessToken"]
    before = written(vc_engine)
    assert client.get(f"/v1/status?code={CODE}&domain=1", headers=bearer(token)).status_code == 200
    error(redeem(client, token, f"code={CODE}&domain=1"), 403, 1003)
    assert written(vc_engine) == before


def test_changing_grants_needs_manage_users_on_that_domain_and_writes_nothing_otherwise(client, vc_engine):
    add_staff(vc_engine, "boss1@example.com", "pw1", {1: ("administrator", ALL)})
    token = login(client, "boss1@example.com", "pw1")["accessToken"]
    body = (
        '{"fullName": "N", "email": "n@example.com", "password": "sEcret9", "permissions": ['
        '{"domainId": 1, "roleId": 2}, {"domainId": 2, "roleId": %d}]}'
    )
    before = staff_rows(vc_engine)
    error(client.post("/v1/users", content=(body % 2).encode(), headers={**bearer(token), **JSON}), 403, 1003)
    assert staff_rows(vc_engine) == before
    created = client.post("/v1/users", content=(body % 0).encode(), headers={**bearer(token), **JSON})
    assert created.status_code == 200, created.text
    user = identity(vc_engine).staff.find_staff_user(TENANT, public_id=created.json()["userId"])
    assert {s: (g.role, g.permissions) for s, g in user.grants.items()} == {
        "store:1": ("redeemer", frozenset({"redeem.voucher"}))
    }


def test_user_domains_has_its_own_rate_limit(client):
    for _ in range(5):
        assert client.get(f"/v1/user-domains?email={ADMIN_EMAIL}").status_code == 200
    limited = client.get(f"/v1/user-domains?email={ADMIN_EMAIL}")
    assert limited.status_code == 429 and limited.json()["status"] == "failed"
    assert (
        client.post(
            "/v1/authorize", content=b"subdomain=my-sales-page", headers={**basic(ADMIN_EMAIL, ADMIN_PASSWORD), **FORM}
        ).status_code
        == 200
    )
