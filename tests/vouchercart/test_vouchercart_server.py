"""Every curl of the seed, sent by curl itself to a real server process (the test kit's
``ve_server``) serving the provider at "/", on the test's clock: placeholders filled in
(our host for api.vouchercart.com, a real email for the seed's obfuscated ones, the tokens the
earlier calls returned for VCaccessToken, my-jwt-token and RTrefreshToken), everything else as
written: Basic auth with -u, form bodies with --data, query strings, the JSON of the users API."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime

import jwt
import pytest
from test_vouchercart_seed import JWT_SAMPLE_KEYS, UPDATE, USER_FIELDS, VOUCHER_FIELDS, types_of
from vouchercart_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CODE,
    NOW,
    SEED_CREATE,
    add_domains,
    add_staff,
    administrator,
    issue,
    open_vouchercart_engine,
)

import voucher_engine_vouchercart.hooks
from dbsupport import fresh_database_url
from voucher_engine import VoucherKind


def curl(*args: str) -> tuple[int, object]:
    """Run curl as the seed writes it; ``-s -w`` only make it print the status after the body."""
    out = subprocess.run(
        ["curl", *args, "-s", "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=30, check=True
    )
    body, status = out.stdout.rsplit("\n", 1)
    return int(status), (json.loads(body) if body else None)


@pytest.fixture
def sqlite_file_url(tmp_path):
    yield from fresh_database_url("sqlite", tmp_path, migrated=True)


@pytest.fixture
def server(sqlite_file_url, ve_clock, ve_server):
    """The provider at "/" in a real server process on a SQLite file, on the test's clock."""
    assert shutil.which("curl") is not None, "curl is needed to replay the seed's requests"
    ve_clock.set(NOW)
    url = sqlite_file_url
    engine = open_vouchercart_engine(url, ve_clock)
    add_domains(engine)
    add_staff(engine, ADMIN_EMAIL, ADMIN_PASSWORD, administrator())
    issue(engine, kind=VoucherKind.MULTI_USE, value=5, start=datetime(2015, 12, 1, tzinfo=UTC))
    served = ve_server(url, plugins=[voucher_engine_vouchercart.hooks], mounts={"vouchercart": "/"}, clock=ve_clock)
    yield served.url
    engine.close()


def test_every_curl_of_the_seed_against_a_real_server(server):
    base = server

    status, login = curl(
        "-X",
        "POST",
        f"{base}/v1/authorize",
        "-u",
        f"{ADMIN_EMAIL}:{ADMIN_PASSWORD}",
        "--data",
        "subdomain=my-sales-page",
    )
    assert status == 200, login
    types_of(login, {**JWT_SAMPLE_KEYS, "profile": dict})
    types_of(login["profile"], {"email": str, "fullName": str, "id": int, "locale": str})
    assert (login["status"], login["refreshToken"][:2], login["profile"]["email"]) == (
        "authenticated",
        "RT",
        ADMIN_EMAIL,
    )
    claims = jwt.decode(login["accessToken"], options={"verify_signature": False})
    assert (claims["exp"] - claims["iat"], claims["jti"]) == (86400, login["identifiedBy"])

    status, domains = curl(f"{base}/v1/user-domains?email={ADMIN_EMAIL}")
    assert status == 200, domains
    types_of(domains, {"status": str, "domains": list})
    assert [d["name"] for d in domains["domains"]] == ["my-sales-page", "other-sales-page"]

    status, refreshed = curl(
        "-X",
        "PUT",
        f"{base}/v1/refresh",
        "--data",
        f"accessToken={login['accessToken']}&refreshToken={login['refreshToken']}",
    )
    assert status == 200, refreshed
    types_of(refreshed, JWT_SAMPLE_KEYS)
    assert refreshed["status"] == "refreshed"
    token = refreshed["accessToken"]
    auth = f"Authorization: Bearer {token}"

    status, listed = curl(f"{base}/v1/domains", "-H", auth)
    assert status == 200, listed
    assert listed["status"] == "success"
    for domain in listed["domains"]:
        types_of(domain, {"id": int, "name": str, "url": str})

    status, voucher = curl(f"{base}/v1/status?code={CODE}", "-H", auth)
    assert status == 200, voucher
    types_of(voucher, VOUCHER_FIELDS)
    assert (voucher["current"], voucher["stock"], voucher["multiUsable"], voucher["status"]) == (
        0,
        5,
        True,
        "in_progress",
    )

    status, partly = curl(
        f"{base}/v1/redeem",
        "-X",
        "POST",
        "--data",
        f"code={CODE}&domain=1&reductor=2&redeemDate=2015-12-05 13:37",
        "-H",
        auth,
    )
    assert status == 200, partly
    types_of(partly, VOUCHER_FIELDS)
    assert (partly["current"], partly["redeemHistory"]) == (2, [{"amount": 2, "redeemAt": "2015-12-05T13:37:00+0000"}])

    status, completely = curl(f"{base}/v1/redeem", "-X", "POST", "--data", f"code={CODE}&domain=1", "-H", auth)
    assert status == 200, completely
    types_of(completely, VOUCHER_FIELDS)
    assert (completely["current"], completely["redeemed"], completely["status"]) == (5, True, "completed")
    assert [line["amount"] for line in completely["redeemHistory"]] == [2, 3]

    json_headers = ["-H", auth, "-H", "Accepts: application/json", "-H", "Content-Type: application/json"]
    status, created = curl(f"{base}/v1/users", "-X", "POST", *json_headers, "--data", SEED_CREATE.decode())
    assert status == 200, created
    types_of(created, {"userId": int})
    user = f"{base}/v1/users/{created['userId']}"

    status, got = curl(user, "-X", "GET", "-H", auth, "-H", "Accepts: application/json")
    assert status == 200, got
    types_of(got, USER_FIELDS)
    assert got["createdAt"] == "02/12/2016 13:32"

    assert curl(user, "-X", "PUT", *json_headers, "--data", UPDATE.decode()) == (204, None)
    password = '\n  {\n    "password": "SEcreT123",\n    "password2": "SEcreT123"\n  }'
    assert curl(f"{user}/password", "-X", "PATCH", *json_headers, "--data", password) == (204, None)

    status, users = curl(f"{base}/v1/users", "-X", "GET", "-H", auth, "-H", "Accepts: application/json")
    assert status == 200, users
    for one in users:
        types_of(one, USER_FIELDS)
    assert users[1]["permissions"][0] == {
        "domainId": 1,
        "roleId": 3,
        "customPermissions": ["manage.orders", "redeem.voucher"],
    }

    assert curl(user, "-X", "DELETE", "-H", auth, "-H", "Accepts: application/json") == (204, None)
    status, gone = curl(user, "-X", "GET", "-H", auth)
    assert (status, gone["code"], gone["status"]) == (404, 1004, "failed")
