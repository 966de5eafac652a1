"""Against a real server process serving JTL at "/": a token fetched by a standard OAuth 2
library (requests-oauthlib) and by curl (form post and Basic auth), then the seed's cURL sent
as written, answering every documented field with its JSON type."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from jtl_support import (
    RESERVATIONS,
    RFC3339_UTC,
    SEED_BODY,
    SEED_FIELDS,
    TENANT,
    TOKEN_PATH,
)
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

from voucher_engine import HoldState


def seed_curl(base: str, token: str) -> list[str]:
    """The seed's cURL with our host for JTL's and the token filled in; ``-s -w`` only make
    curl print the status after the body."""
    return [
        "curl",
        "--request",
        "POST",
        "--url",
        f"{base}/v1/reservations",
        "--header",
        f"Authorization: Bearer {token}",
        "--header",
        "Content-Type: application/json",
        "--data",
        SEED_BODY.decode(),
        "-s",
        "-w",
        "\n%{http_code}",
    ]


def curl(*argv: str) -> tuple[int, dict]:
    out = subprocess.run(
        ["curl", "-s", "-w", "\n%{http_code}", *argv], capture_output=True, text=True, timeout=30, check=True
    )
    answer, status = out.stdout.rsplit("\n", 1)
    return int(status), json.loads(answer)


def assert_seed_answer(status: int, body: dict, client_id: str) -> None:
    assert status == 200, body
    assert list(body) == list(SEED_FIELDS)
    for name, json_type in SEED_FIELDS.items():
        assert isinstance(body[name], json_type), (name, body[name])
    assert (body["amount"], body["client_id"]) == ("10.53", client_id)
    assert all(re.match(RFC3339_UTC, body[name]) for name in ("valid_until", "created_at", "updated_at"))


def test_tokens_from_a_standard_oauth2_library_and_curl_then_the_seeds_curl(
    jtl_engine,
    shop,
    jtl_server,
    monkeypatch,
):
    assert shutil.which("curl") is not None, "curl is needed to replay the seed's sample request"
    # oauthlib refuses plain HTTP unless told this is a test on loopback.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    server = jtl_server()
    token_url = server.url + TOKEN_PATH

    # requests-oauthlib, credentials by HTTP Basic (its default) and in the form.
    session = OAuth2Session(client=BackendApplicationClient(client_id=shop.client_id))
    by_basic = session.fetch_token(token_url=token_url, client_id=shop.client_id, client_secret=shop.secret)
    assert by_basic["token_type"] == "Bearer" and isinstance(by_basic["expires_in"], int)
    answer = session.post(server.url + RESERVATIONS, data=SEED_BODY, headers={"Content-Type": "application/json"})
    assert_seed_answer(answer.status_code, answer.json(), shop.client_id)
    in_form = OAuth2Session(client=BackendApplicationClient(client_id=shop.client_id)).fetch_token(
        token_url=token_url,
        client_id=shop.client_id,
        client_secret=shop.secret,
        include_client_id=True,
        scope=["use"],
    )
    assert in_form["scope"] in ("use", ["use"])

    # curl: a form post, and Basic auth.
    status, form_token = curl(
        "-X",
        "POST",
        token_url,
        "-d",
        "grant_type=client_credentials",
        "-d",
        f"client_id={shop.client_id}",
        "-d",
        f"client_secret={shop.secret}",
        "-d",
        "client_type=JTL-Wawi",
    )
    assert status == 200, form_token
    status, basic_token = curl(
        "-X", "POST", token_url, "-u", f"{shop.client_id}:{shop.secret}", "-d", "grant_type=client_credentials"
    )
    assert status == 200, basic_token

    # The seed's cURL, as written, with each token.
    for token in (in_form["access_token"], form_token["access_token"], basic_token["access_token"]):
        out = subprocess.run(seed_curl(server.url, token), capture_output=True, text=True, timeout=30, check=True)
        body, status_text = out.stdout.rsplit("\n", 1)
        assert_seed_answer(int(status_text), json.loads(body), shop.client_id)

    # Each reservation replaced the one before: one pending, holding 10.53.
    voucher = jtl_engine.get_voucher(TENANT, code="test")
    assert (voucher.available, voucher.held) == (5000 - 1053, 1053)
    last = json.loads(body)["id"]
    assert jtl_engine.get_hold(TENANT, last).state is HoldState.PENDING
