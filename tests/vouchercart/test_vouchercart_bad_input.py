"""Bad input of every kind gets the seed's envelope (1000 or 1018, 422) and writes nothing."""

from __future__ import annotations

import pytest
from vouchercart_support import ADMIN_EMAIL, CODE, FORM, JSON, basic, bearer, issue, login, staff_rows, written

BAD_REDEEM_FORMS = {
    "code missing": ("domain=1", 1018, "code"),
    "domain missing": (f"code={CODE}", 1018, "domain"),
    "empty code": ("code=&domain=1", 1018, "code"),
    "domain not an integer": (f"code={CODE}&domain=one", 1000, "domain"),
    "negative domain": (f"code={CODE}&domain=-1", 1000, "domain"),
    "reductor zero": (f"code={CODE}&domain=1&reductor=0", 1000, "reductor"),
    "reductor a decimal": (f"code={CODE}&domain=1&reductor=1.5", 1000, "reductor"),
    "redeemDate in another format": (f"code={CODE}&domain=1&redeemDate=2016-12-01T10:00:00Z", 1000, "redeemDate"),
    "redeemDate with seconds": (f"code={CODE}&domain=1&redeemDate=2016-12-01 10:00:00", 1000, "redeemDate"),
    "an unknown field (a typo of reductor)": (f"code={CODE}&domain=1&reductr=1", 1000, None),
}


@pytest.mark.parametrize("case", list(BAD_REDEEM_FORMS))
def test_bad_redeem_forms(client, vc_engine, case):
    issue(vc_engine)
    token = login(client)["accessToken"]
    before = written(vc_engine)
    data, code, field = BAD_REDEEM_FORMS[case]
    response = client.post("/v1/redeem", content=data.encode(), headers={**bearer(token), **FORM})
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["code"], body["status"]) == (code, "failed")
    if field is not None:
        assert field in body["errors"], body
    assert written(vc_engine) == before


def test_a_json_body_where_a_form_belongs_and_garbage(client, vc_engine):
    issue(vc_engine)
    token = login(client)["accessToken"]
    before = written(vc_engine)
    for content, headers in [
        (b'{"code": "AAAA-BBBB-CCCC-DDDD", "domain": 1}', {"Content-Type": "application/json"}),
        (b"\xff\xfe%%%=&&", FORM),
        (b"code=" + b"A" * 9000, FORM),
    ]:
        response = client.post("/v1/redeem", content=content, headers={**bearer(token), **headers})
        assert response.status_code in (422, 401), response.text
        assert response.json()["status"] == "failed" and response.json()["code"] in (1000, 1018)
    assert written(vc_engine) == before


def test_missing_parameters_elsewhere(client):
    assert client.get("/v1/user-domains").json()["code"] == 1018
    unknown = client.get("/v1/user-domains?email=nobody@example.com")
    assert (unknown.status_code, unknown.json()) == (
        422,
        {
            "code": 1000,
            "errors": {"email": ["We do not recognize given email address."]},
            "message": "Incorrect request",
            "status": "failed",
        },
    )
    assert (
        client.post("/v1/authorize", content=b"", headers={**basic(ADMIN_EMAIL, "password"), **FORM}).json()["code"]
        == 1018
    )
    assert client.put("/v1/refresh", content=b"accessToken=a.b.c", headers=FORM).json()["code"] == 1018
    wrong = client.post(
        "/v1/authorize", content=b"subdomain=my-sales-page", headers={**basic(ADMIN_EMAIL, "nope"), **FORM}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (401, 1001)


BAD_USERS = {
    "not JSON": (b'{"fullName": "T",', 1000),
    "fields missing": (b'{"fullName": "T"}', 1018),
    "unknown field": (
        b'{"fullName": "T", "email": "t@example.com", "password": "sEcret9", "permissions": [], "isAdmin": true}',
        1000,
    ),
    "wrong type": (b'{"fullName": 7, "email": "t@example.com", "password": "sEcret9", "permissions": []}', 1000),
    "bad email": (b'{"fullName": "T", "email": "nope", "password": "sEcret9", "permissions": []}', 1000),
    "weak password": (b'{"fullName": "T", "email": "t@example.com", "password": "abc", "permissions": []}', 1000),
    "a domain left out (the seed's 500)": (
        b'{"fullName": "T", "email": "t@example.com", "password": "sEcret9", '
        b'"permissions": [{"domainId": 1, "roleId": 0, "customPermissions": []}]}',
        1000,
    ),
    "an unknown domain": (
        b'{"fullName": "T", "email": "t@example.com", "password": "sEcret9", "permissions": ['
        b'{"domainId": 1, "roleId": 0}, {"domainId": 2, "roleId": 0}, {"domainId": 3, "roleId": 0}]}',
        1000,
    ),
    "an unknown role": (
        b'{"fullName": "T", "email": "t@example.com", "password": "sEcret9", "permissions": ['
        b'{"domainId": 1, "roleId": 4}, {"domainId": 2, "roleId": 0}]}',
        1000,
    ),
    "an unknown custom permission": (
        b'{"fullName": "T", "email": "t@example.com", "password": "sEcret9", "permissions": ['
        b'{"domainId": 1, "roleId": 3, "customPermissions": ["fly"]}, {"domainId": 2, "roleId": 0}]}',
        1000,
    ),
    "an email already used": (
        b'{"fullName": "T", "email": "admin@example.com", "password": "sEcret9", "permissions": ['
        b'{"domainId": 1, "roleId": 0}, {"domainId": 2, "roleId": 0}]}',
        1000,
    ),
}


def test_bad_users_bodies_write_nothing(client, vc_engine):
    token = login(client)["accessToken"]
    before = staff_rows(vc_engine)
    for name, (raw, code) in BAD_USERS.items():
        response = client.post("/v1/users", content=raw, headers={**bearer(token), **JSON})
        assert (response.status_code, response.json()["code"], response.json()["status"]) == (422, code, "failed"), name
    [admin] = before
    mismatch = client.patch(
        f"/v1/users/{admin[0]}/password",
        content=b'{"password": "SEcreT123", "password2": "SEcreT124"}',
        headers={**bearer(token), **JSON},
    )
    assert (mismatch.status_code, list(mismatch.json()["errors"])) == (422, ["password2"])
    for path, status, code in [("/v1/users/abc", 422, 1000), ("/v1/users/999999", 404, 1004)]:
        got = client.get(path, headers=bearer(token))
        assert (got.status_code, got.json()["code"]) == (status, code), path
    gone = client.delete("/v1/users/999999", headers=bearer(token))
    assert (gone.status_code, gone.json()["code"], gone.json()["errors"]) == (422, 1000, {"id": ["Invalid user id"]})
    assert staff_rows(vc_engine) == before
