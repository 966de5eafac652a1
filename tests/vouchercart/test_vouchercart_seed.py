"""Every curl of the seed, replayed through the app with the provider mounted at "/" (Basic
auth, form bodies and query strings as written; the seed's obfuscated emails and its
VCaccessToken / my-jwt-token / RTrefreshToken placeholders filled in), each sample response's
fields and JSON types checked."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
from vouchercart_support import (
    ADMIN_EMAIL,
    CODE,
    FORM,
    JSON,
    ORDER,
    SEED_CREATE,
    basic,
    bearer,
    issue,
    login,
)

from voucher_engine import VoucherKind

JWT_SAMPLE_KEYS = {"accessToken": str, "identifiedBy": str, "refreshToken": str, "status": str}


def types_of(body: dict, expected: dict[str, type]) -> None:
    assert set(body) == set(expected), sorted(body)
    for name, type_ in expected.items():
        assert isinstance(body[name], type_) and not (type_ is int and isinstance(body[name], bool)), name


def test_authorize(client):
    response = client.post(
        "/v1/authorize", content=b"subdomain=my-sales-page", headers={**basic(ADMIN_EMAIL, "password"), **FORM}
    )
    assert response.status_code == 200
    body = response.json()
    types_of(body, {**JWT_SAMPLE_KEYS, "profile": dict})
    types_of(body["profile"], {"email": str, "fullName": str, "id": int, "locale": str})
    assert body["status"] == "authenticated" and body["refreshToken"].startswith("RT")
    assert body["profile"] == {
        "email": ADMIN_EMAIL,
        "fullName": "VoucherCart2 Demo",
        "id": body["profile"]["id"],
        "locale": "en",
    }
    claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 86400
    assert claims["jti"] == body["identifiedBy"]


def test_user_domains(client):
    response = client.get(f"/v1/user-domains?email={ADMIN_EMAIL}")
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "domains": [
            {"id": 1, "name": "my-sales-page", "url": "https://my-sales-page.vouchercart.com/"},
            {"id": 2, "name": "other-sales-page", "url": "https://other-sales-page.vouchercart.com/"},
        ],
    }


def test_refresh(client):
    tokens = login(client)
    data = f"accessToken={tokens['accessToken']}&refreshToken={tokens['refreshToken']}".encode()
    response = client.put("/v1/refresh", content=data, headers=FORM)
    assert response.status_code == 200
    body = response.json()
    types_of(body, JWT_SAMPLE_KEYS)
    assert body["status"] == "refreshed" and body["refreshToken"].startswith("RT")
    assert body["accessToken"] != tokens["accessToken"] and body["refreshToken"] != tokens["refreshToken"]
    claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 86400
    assert client.get("/v1/domains", headers=bearer(body["accessToken"])).status_code == 200


def test_domains(client):
    token = login(client)["accessToken"]
    response = client.get("/v1/domains", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    for domain in body["domains"]:
        types_of(domain, {"id": int, "name": str, "url": str})
    assert [d["id"] for d in body["domains"]] == [1, 2]


VOUCHER_FIELDS = {
    "code": str,
    "current": int,
    "expirations": list,
    "monetary": bool,
    "multiUsable": bool,
    "order": dict,
    "redeemableOn": list,
    "redeemed": bool,
    "redeemHistory": list,
    "remainingString": str,
    "status": str,
    "stock": int,
}


def test_status_without_domain_as_the_seed_curl(client, vc_engine):
    issue(vc_engine)
    token = login(client)["accessToken"]
    response = client.get(f"/v1/status?code={CODE}", headers=bearer(token))
    assert response.status_code == 200
    body = response.json()
    types_of(body, VOUCHER_FIELDS)
    assert body == {
        "code": CODE,
        "current": 0,
        "expirations": [{"from": "2016-12-02T07:57:29+0000", "to": "2017-03-02T07:57:29+0000"}],
        "monetary": False,
        "multiUsable": False,
        "order": ORDER,
        "redeemableOn": [1],
        "redeemed": False,
        "redeemHistory": [],
        "remainingString": "1 time left",
        "status": "in_progress",
        "stock": 1,
    }


def test_redeem(client, vc_engine):
    issue(vc_engine)
    token = login(client)["accessToken"]
    response = client.post("/v1/redeem", content=f"code={CODE}&domain=1".encode(), headers={**bearer(token), **FORM})
    assert response.status_code == 200
    body = response.json()
    types_of(body, VOUCHER_FIELDS)
    assert body["redeemHistory"] == [{"redeemAt": "2016-12-02T13:32:48+0000", "amount": 1}]
    assert body["order"] == {**ORDER, "redeemedDate": "2016-12-02T13:32:48+0000"}
    assert (body["current"], body["redeemed"], body["status"], body["remainingString"], body["stock"]) == (
        1,
        True,
        "completed",
        "0 time left",
        1,
    )


def test_redeem_with_reductor_and_redeem_date(client, vc_engine):
    """The seed's second redeem curl, its redeemDate sent with a literal space, as curl does."""
    issue(vc_engine, kind=VoucherKind.MULTI_USE, value=5, start=datetime(2015, 12, 1, tzinfo=UTC))
    token = login(client)["accessToken"]
    response = client.post(
        "/v1/redeem",
        content=f"code={CODE}&domain=1&reductor=2&redeemDate=2015-12-05 13:37".encode(),
        headers={**bearer(token), **FORM},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    types_of(body, VOUCHER_FIELDS)
    assert (body["current"], body["multiUsable"], body["redeemed"], body["status"], body["stock"]) == (
        2,
        True,
        False,
        "in_progress",
        5,
    )
    assert body["redeemHistory"] == [{"amount": 2, "redeemAt": "2015-12-05T13:37:00+0000"}]


UPDATE = b"""
  {
    "fullName": "Test User Changed",
    "email": "test@example.com",
    "phone": "+1 987 654 321",
    "permissions": [
        {
            "domainId": 1,
            "roleId": 3,
            "customPermissions": [
                "manage.orders",
                "redeem.voucher"
            ]
        },
        {
            "domainId": 2,
            "roleId": 0,
            "customPermissions": []
        }
    ]
  }"""

USER_FIELDS = {"id": int, "fullName": str, "email": str, "phone": str, "createdAt": str, "permissions": list}


def test_the_users_curls(client):
    token = login(client)["accessToken"]
    auth = {**bearer(token), **JSON}
    created = client.post("/v1/users", content=SEED_CREATE, headers=auth)
    assert created.status_code == 200, created.text
    types_of(created.json(), {"userId": int})
    user_id = created.json()["userId"]

    got = client.get(f"/v1/users/{user_id}", headers={**bearer(token), "Accepts": "application/json"})
    assert got.status_code == 200
    types_of(got.json(), USER_FIELDS)
    assert got.json() == {
        "id": user_id,
        "fullName": "Test User",
        "email": "test@example.com",
        "phone": "+1 123 456 789",
        "createdAt": "02/12/2016 13:32",
        "permissions": [
            {"domainId": 1, "roleId": 0, "customPermissions": []},
            {"domainId": 2, "roleId": 0, "customPermissions": []},
        ],
    }

    updated = client.put(f"/v1/users/{user_id}", content=UPDATE, headers=auth)
    assert (updated.status_code, updated.content) == (204, b"")
    assert client.get(f"/v1/users/{user_id}", headers=auth).json()["permissions"] == [
        {"domainId": 1, "roleId": 3, "customPermissions": ["manage.orders", "redeem.voucher"]},
        {"domainId": 2, "roleId": 0, "customPermissions": []},
    ]

    changed = client.patch(
        f"/v1/users/{user_id}/password",
        content=b'{\n    "password": "SEcreT123",\n    "password2": "SEcreT123"\n  }',
        headers=auth,
    )
    assert (changed.status_code, changed.content) == (204, b"")
    assert login(client, "test@example.com", "SEcreT123")["status"] == "authenticated"

    listed = client.get("/v1/users", headers=auth)
    assert listed.status_code == 200
    for user in listed.json():
        types_of(user, USER_FIELDS)
        assert "password" not in user
    assert [u["email"] for u in listed.json()] == [ADMIN_EMAIL, "test@example.com"]

    deleted = client.delete(f"/v1/users/{user_id}", headers={**bearer(token), "Accepts": "application/json"})
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.get(f"/v1/users/{user_id}", headers=auth).json()["code"] == 1004
