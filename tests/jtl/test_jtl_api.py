"""The JTL API through the ASGI app, mounted at "/" as a drop-in for JTL's host, on SQLite and
PostgreSQL: the seed's request, tokens, every refusal the issue lists (each leaving the ledger
as it was), and the reserve, charge, refund flow whose ledger replays to the balance."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from jtl_support import (
    OTHER_TENANT,
    RESERVATIONS,
    RFC3339_UTC,
    SEED_BODY,
    SEED_FIELDS,
    TENANT,
    TOKEN_PATH,
    assert_replay_matches,
    bearer,
    issue,
    new_client,
    reservation,
    snapshot,
    token_of,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def refused(response, status: int, code: str, prop: str | None = None) -> dict:
    """The response is JTL's error envelope with this status and code (and, for a 422, an
    ``errors`` entry for ``prop``)."""
    body = response.json()
    assert (response.status_code, body["status"], body["code"]) == (status, status, code), body
    assert isinstance(body["message"], str) and body["message"]
    if status == 422:
        assert prop in [entry["property"] for entry in body["errors"]], body
        for entry in body["errors"]:
            assert set(entry) == {"code", "property", "rule", "message"}
            assert all(isinstance(value, str) for value in entry.values())
    else:
        assert "errors" not in body
    return body


# --- the seed ---------------------------------------------------------------------------------


def test_the_seeds_request_answers_every_documented_field(client, jtl_engine, shop):
    response = client.post(RESERVATIONS, content=SEED_BODY, headers=bearer(token_of(jtl_engine, shop)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == list(SEED_FIELDS)
    for name, json_type in SEED_FIELDS.items():
        assert isinstance(body[name], json_type), (name, body[name])
    voucher = jtl_engine.get_voucher(TENANT, code="test")
    assert (body["voucher_id"], body["client_id"], body["amount"]) == (voucher.id, shop.client_id, "10.53")
    assert (body["voucher_taxable"], body["voucher_tax_rate"]) == (False, None)
    for name in ("valid_until", "created_at", "updated_at"):
        assert re.match(RFC3339_UTC, body[name])
    # The clock stands at the seed's instant; 30 minutes of reservation by default.
    assert body["created_at"] == body["updated_at"] == "2017-07-21T17:32:28+00:00"
    assert body["valid_until"] == "2017-07-21T18:02:28+00:00"
    assert (voucher.available, voucher.held) == (5000 - 1053, 1053)
    assert_replay_matches(jtl_engine, "test")


def test_a_taxable_voucher_states_its_rate(client, jtl_engine, shop):
    issue(jtl_engine, "TAXED", "30.00", taxable=True, tax_rate="19")
    response = client.post(
        RESERVATIONS, content=reservation(code="TAXED", pin=None), headers=bearer(token_of(jtl_engine, shop))
    )
    assert response.status_code == 200, response.text
    assert (response.json()["voucher_taxable"], response.json()["voucher_tax_rate"]) == (True, "19.00")


# --- tokens -----------------------------------------------------------------------------------


def _token_ok(response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["token_type"], type(body["expires_in"]), type(body["scope"])) == ("Bearer", int, str)
    assert response.headers["cache-control"] == "no-store"
    return body["access_token"]


def test_a_token_from_the_form_and_from_basic_auth_both_reserve(client, jtl_engine, shop):
    form = f"grant_type=client_credentials&client_id={shop.client_id}&client_secret={shop.secret}&client_type=POS-7"
    by_form = _token_ok(client.post(TOKEN_PATH, content=form, headers=FORM))
    by_basic = _token_ok(
        client.post(
            TOKEN_PATH,
            content="grant_type=client_credentials&scope=use",
            headers={**FORM, "Authorization": shop.basic()},
        )
    )
    assert client.post(RESERVATIONS, content=SEED_BODY, headers=bearer(by_form)).status_code == 200
    assert client.post(RESERVATIONS, content=SEED_BODY, headers=bearer(by_basic)).status_code == 200


TOKEN_REFUSALS = [
    ("grant_type=client_credentials&client_id={id}&client_secret=wrong", FORM, 401, "invalid_client"),
    ("grant_type=password&client_id={id}&client_secret={secret}", FORM, 400, "unsupported_grant_type"),
    ("grant_type=client_credentials&client_id={id}&client_secret={secret}&scope=admin", FORM, 400, "invalid_scope"),
    (
        "grant_type=client_credentials&client_id={id}&client_secret={secret}&client_type=" + "x" * 33,
        FORM,
        400,
        "invalid_request",
    ),
    ("client_id={id}&client_secret={secret}", FORM, 400, "invalid_request"),
    ('{{"grant_type": "client_credentials"}}', {"Content-Type": "application/json"}, 400, "invalid_request"),
]


def test_token_refusals_follow_rfc_6749(client, shop):
    for content, headers, status, error in TOKEN_REFUSALS:
        response = client.post(
            TOKEN_PATH, content=content.format(id=shop.client_id, secret=shop.secret), headers=headers
        )
        assert response.status_code == status, content
        assert set(response.json()) == {"error", "error_description"}
        assert response.json()["error"] == error, content


def test_basic_credentials_with_a_wrong_secret_are_told_to_use_basic(client, shop):
    wrong = "Basic " + base64.b64encode(f"{shop.client_id}:nope".encode()).decode()
    response = client.post(
        TOKEN_PATH, content="grant_type=client_credentials", headers={**FORM, "Authorization": wrong}
    )
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


# --- refusals: each with its documented error, and nothing written -----------------------------


#: Each bad reservation the issue lists, and more, with its documented answer.
BAD_RESERVATIONS = [
    (reservation(amount="10.5"), 422, "REQUEST.VALIDATION_FAILED", "amount"),
    (reservation(amount="10,53"), 422, "REQUEST.VALIDATION_FAILED", "amount"),
    (reservation(amount=10.53), 422, "REQUEST.VALIDATION_FAILED", "amount"),
    (reservation(amount="100000.00"), 422, "REQUEST.VALIDATION_FAILED", "amount"),
    (reservation(amount="10.53\n"), 422, "REQUEST.VALIDATION_FAILED", "amount"),
    (reservation(amount="0.00"), 422, "REQUEST.VALIDATION_FAILED", "amount"),
    (reservation(amount=None), 422, "REQUEST.VALIDATION_FAILED", "amount"),
    (reservation(currency="USD"), 422, "VOUCHER.CURRENCY_MISMATCH", "currency"),
    (reservation(currency="XXY"), 422, "REQUEST.VALIDATION_FAILED", "currency"),
    (reservation(currency="JPY", amount="10.50"), 422, "REQUEST.VALIDATION_FAILED", "amount"),
    (reservation(pin="wrong"), 404, "VOUCHER.NOT_FOUND", None),
    (reservation(pin=None), 404, "VOUCHER.NOT_FOUND", None),
    (reservation(code="nope"), 404, "VOUCHER.NOT_FOUND", None),
    (reservation(code="no such code"), 404, "VOUCHER.NOT_FOUND", None),
    (reservation(amount="60.00"), 409, "VOUCHER.INSUFFICIENT_BALANCE", None),
    (b'{"amount": "10.53", "currency": "EUR", "code": "te', 400, "REQUEST.MALFORMED", None),
    (b'["10.53"]', 422, "REQUEST.VALIDATION_FAILED", "body"),
]


def test_a_refused_reservation_writes_nothing(client, jtl_engine, shop):
    headers = bearer(token_of(jtl_engine, shop))
    before = snapshot(jtl_engine, "test")
    for body, status, code, prop in BAD_RESERVATIONS:
        refused(client.post(RESERVATIONS, content=body, headers=headers), status, code, prop)
        assert snapshot(jtl_engine, "test") == before, body


def test_a_wrong_pin_says_nothing_about_the_code_whatever_else_is_wrong(client, jtl_engine, shop):
    """With a wrong PIN, a currency other than the voucher's must not reveal that the code
    exists (the engine checks the PIN before the amount and its currency)."""
    before = snapshot(jtl_engine, "test")
    headers = bearer(token_of(jtl_engine, shop))
    wrong_both = client.post(RESERVATIONS, content=reservation(pin="wrong", currency="USD"), headers=headers)
    unknown = client.post(RESERVATIONS, content=reservation(code="nope", currency="USD"), headers=headers)
    refused(wrong_both, 404, "VOUCHER.NOT_FOUND")
    assert wrong_both.json() == unknown.json()
    assert snapshot(jtl_engine, "test") == before


def test_an_unknown_code_and_a_wrong_pin_answer_alike(client, jtl_engine, shop):
    headers = bearer(token_of(jtl_engine, shop))
    unknown = client.post(RESERVATIONS, content=reservation(code="nope"), headers=headers)
    wrong_pin = client.post(RESERVATIONS, content=reservation(pin="wrong"), headers=headers)
    assert (unknown.status_code, unknown.json()) == (wrong_pin.status_code, wrong_pin.json())


def test_every_failing_field_is_reported(client, jtl_engine, shop):
    response = client.post(
        RESERVATIONS, content=b'{"amount": 10.53, "currency": "eur"}', headers=bearer(token_of(jtl_engine, shop))
    )
    body = refused(response, 422, "REQUEST.VALIDATION_FAILED", "amount")
    assert [(e["property"], e["rule"]) for e in body["errors"]] == [
        ("amount", "type"),
        ("currency", "pattern"),
        ("code", "required"),
    ]


def test_a_token_without_the_use_scope_is_forbidden(client, jtl_engine, shop):
    before = snapshot(jtl_engine, "test")
    response = client.post(RESERVATIONS, content=SEED_BODY, headers=bearer(token_of(jtl_engine, shop, "read")))
    refused(response, 403, "AUTH.FORBIDDEN")
    assert 'scope="use"' in response.headers["www-authenticate"]
    assert snapshot(jtl_engine, "test") == before


def test_an_expired_token_is_unauthorized(client, jtl_engine, ve_clock, shop):
    token = token_of(jtl_engine, shop)
    before = snapshot(jtl_engine, "test")
    ve_clock.advance(timedelta(minutes=16))  # access tokens live 15 minutes (30 s leeway)
    refused(client.post(RESERVATIONS, content=SEED_BODY, headers=bearer(token)), 401, "AUTH.UNAUTHORIZED")
    assert snapshot(jtl_engine, "test") == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"Content-Type": "application/json", "Authorization": "Bearer not-a-token"},
    ],
)
def test_no_or_a_forged_token_is_unauthorized(client, jtl_engine, headers):
    before = snapshot(jtl_engine, "test")
    response = client.post(RESERVATIONS, content=SEED_BODY, headers=headers)
    refused(response, 401, "AUTH.UNAUTHORIZED")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert snapshot(jtl_engine, "test") == before


def test_another_tenants_client_finds_nothing(client, jtl_engine, shop):
    stranger = new_client(jtl_engine, OTHER_TENANT)
    mine = client.post(RESERVATIONS, content=SEED_BODY, headers=bearer(token_of(jtl_engine, shop))).json()
    charge = client.post(
        f"{RESERVATIONS}/{mine['id']}/charge",
        content=b'{"order_number": "A-1"}',
        headers=bearer(token_of(jtl_engine, shop)),
    ).json()
    before = snapshot(jtl_engine, "test")
    theirs = bearer(token_of(jtl_engine, stranger))
    refused(client.post(RESERVATIONS, content=SEED_BODY, headers=theirs), 404, "VOUCHER.NOT_FOUND")
    refused(client.get(f"{RESERVATIONS}/{mine['id']}", headers=theirs), 404, "RESERVATION.NOT_FOUND")
    refused(client.delete(f"{RESERVATIONS}/{mine['id']}", headers=theirs), 404, "RESERVATION.NOT_FOUND")
    refused(client.get(f"/v1/charges/{charge['id']}", headers=theirs), 404, "CHARGE.NOT_FOUND")
    refused(
        client.post(
            f"/v1/charges/{charge['id']}/refund", content=b'{"amount": "1.00", "currency": "EUR"}', headers=theirs
        ),
        404,
        "CHARGE.NOT_FOUND",
    )
    assert snapshot(jtl_engine, "test") == before


# --- the flow ---------------------------------------------------------------------------------


def test_reserve_charge_refund_twice_and_over_the_rest(client, jtl_engine, shop):
    headers = bearer(token_of(jtl_engine, shop))
    reserved = client.post(RESERVATIONS, content=reservation(amount="20.00"), headers=headers).json()

    response = client.post(
        f"{RESERVATIONS}/{reserved['id']}/charge", content=b'{"order_number": "AB-10042"}', headers=headers
    )
    assert response.status_code == 200, response.text
    charge = response.json()
    assert {k: charge[k] for k in ("voucher_id", "client_id", "type", "amount", "order_number")} == {
        "voucher_id": reserved["voucher_id"],
        "client_id": shop.client_id,
        "type": "charge",
        "amount": "20.00",
        "order_number": "AB-10042",
    }
    assert isinstance(charge["id"], str) and charge["id"].isdigit()
    assert re.match(RFC3339_UTC, charge["created_at"]) and re.match(RFC3339_UTC, charge["updated_at"])
    assert client.get(f"/v1/charges/{charge['id']}", headers=headers).json()["amount"] == "20.00"
    assert client.get(f"{RESERVATIONS}/{reserved['id']}", headers=headers).json()["status"] == "charged"
    assert jtl_engine.get_voucher(TENANT, code="test").available == 3000

    def refund(amount: str, currency: str = "EUR"):
        return client.post(
            f"/v1/charges/{charge['id']}/refund",
            content=f'{{"amount": "{amount}", "currency": "{currency}"}}'.encode(),
            headers=headers,
        )

    first = refund("5.00")
    assert first.status_code == 200, first.text
    assert {k: first.json()[k] for k in ("voucher_id", "client_id", "type", "amount", "order_number")} == {
        "voucher_id": reserved["voucher_id"],
        "client_id": shop.client_id,
        "type": "refund",
        "amount": "5.00",
        "order_number": "AB-10042",
    }
    assert first.json()["id"] != charge["id"]
    assert refund("10.00").status_code == 200

    before = snapshot(jtl_engine, "test")
    over = refused(refund("5.01"), 422, "CHARGE.REFUND_EXCEEDS_REMAINING", "amount")
    assert "5.00" in over["errors"][0]["message"]
    refused(refund("1.00", "USD"), 422, "VOUCHER.CURRENCY_MISMATCH", "currency")
    refused(refund("0.00"), 422, "REQUEST.VALIDATION_FAILED", "amount")
    refused(refund("1,00"), 422, "REQUEST.VALIDATION_FAILED", "amount")
    assert snapshot(jtl_engine, "test") == before

    assert refund("5.00").status_code == 200  # exactly the rest
    refused(refund("0.01"), 422, "CHARGE.REFUND_EXCEEDS_REMAINING", "amount")
    voucher = jtl_engine.get_voucher(TENANT, code="test")
    assert (voucher.available, voucher.held) == (5000, 0)
    assert_replay_matches(jtl_engine, "test")


def test_ids_that_name_no_charge(client, jtl_engine, shop):
    headers = bearer(token_of(jtl_engine, shop))
    for charge_id in ("abc", "999999", "-1", "1" * 30, "%D9%A1"):
        refused(client.get(f"/v1/charges/{charge_id}", headers=headers), 404, "CHARGE.NOT_FOUND")


def test_a_reservation_entry_is_not_a_charge(client, jtl_engine, shop):
    headers = bearer(token_of(jtl_engine, shop))
    client.post(RESERVATIONS, content=SEED_BODY, headers=headers)
    hold_entry = jtl_engine.ledger(TENANT, code="test")[-1]
    assert hold_entry.id is not None
    refused(client.get(f"/v1/charges/{hold_entry.id}", headers=headers), 404, "CHARGE.NOT_FOUND")


def test_a_new_reservation_replaces_the_pending_one_even_from_another_client(client, jtl_engine, shop):
    pos = new_client(jtl_engine)
    first = client.post(
        RESERVATIONS, content=reservation(amount="10.00"), headers=bearer(token_of(jtl_engine, shop))
    ).json()
    second = client.post(
        RESERVATIONS, content=reservation(amount="15.00"), headers=bearer(token_of(jtl_engine, pos))
    ).json()
    assert second["client_id"] == pos.client_id
    voucher = jtl_engine.get_voucher(TENANT, code="test")
    assert (voucher.available, voucher.held) == (3500, 1500)
    headers = bearer(token_of(jtl_engine, shop))
    assert client.get(f"{RESERVATIONS}/{first['id']}", headers=headers).json()["status"] == "cancelled"
    before = snapshot(jtl_engine, "test")
    refused(
        client.post(f"{RESERVATIONS}/{first['id']}/charge", content=b'{"order_number": "1"}', headers=headers),
        409,
        "RESERVATION.NOT_PENDING",
    )
    assert snapshot(jtl_engine, "test") == before
    assert_replay_matches(jtl_engine, "test")


def test_cancel_gives_the_amount_back_once(client, jtl_engine, shop):
    headers = bearer(token_of(jtl_engine, shop))
    reserved = client.post(RESERVATIONS, content=SEED_BODY, headers=headers).json()
    response = client.delete(f"{RESERVATIONS}/{reserved['id']}", headers=headers)
    assert (response.status_code, response.content) == (204, b"")
    voucher = jtl_engine.get_voucher(TENANT, code="test")
    assert (voucher.available, voucher.held) == (5000, 0)
    refused(client.delete(f"{RESERVATIONS}/{reserved['id']}", headers=headers), 409, "RESERVATION.NOT_PENDING")
    status = client.get(f"{RESERVATIONS}/{reserved['id']}", headers=headers).json()
    assert (status["status"], status["amount"]) == ("cancelled", "10.53")
    assert_replay_matches(jtl_engine, "test")


def test_an_expired_reservation_cannot_be_charged(client, jtl_engine, ve_clock, shop):
    reserved = client.post(RESERVATIONS, content=SEED_BODY, headers=bearer(token_of(jtl_engine, shop))).json()
    ve_clock.advance(timedelta(minutes=31))
    headers = bearer(token_of(jtl_engine, shop))
    assert client.get(f"{RESERVATIONS}/{reserved['id']}", headers=headers).json()["status"] == "expired"
    before = snapshot(jtl_engine, "test")
    refused(
        client.post(f"{RESERVATIONS}/{reserved['id']}/charge", content=b'{"order_number": "1"}', headers=headers),
        409,
        "RESERVATION.EXPIRED",
    )
    assert snapshot(jtl_engine, "test") == before


def test_a_charge_needs_an_order_number_and_the_use_scope(client, jtl_engine, shop):
    reserved = client.post(RESERVATIONS, content=SEED_BODY, headers=bearer(token_of(jtl_engine, shop))).json()
    before = snapshot(jtl_engine, "test")
    path = f"{RESERVATIONS}/{reserved['id']}/charge"
    refused(
        client.post(path, content=b"{}", headers=bearer(token_of(jtl_engine, shop))),
        422,
        "REQUEST.VALIDATION_FAILED",
        "order_number",
    )
    refused(
        client.post(path, content=b'{"order_number": 42}', headers=bearer(token_of(jtl_engine, shop))),
        422,
        "REQUEST.VALIDATION_FAILED",
        "order_number",
    )
    refused(
        client.post(path, content=b'{"order_number": "1"}', headers=bearer(token_of(jtl_engine, shop, "read"))),
        403,
        "AUTH.FORBIDDEN",
    )
    refused(
        client.get(f"{RESERVATIONS}/{reserved['id']}", headers=bearer(token_of(jtl_engine, shop, "use"))),
        403,
        "AUTH.FORBIDDEN",
    )
    refused(
        client.post(
            f"{RESERVATIONS}/hld_nope/charge",
            content=b'{"order_number": "1"}',
            headers=bearer(token_of(jtl_engine, shop)),
        ),
        404,
        "RESERVATION.NOT_FOUND",
    )
    assert snapshot(jtl_engine, "test") == before


def test_a_route_or_method_jtl_does_not_have_answers_in_its_envelope(client, jtl_engine, shop):
    headers = bearer(token_of(jtl_engine, shop))
    refused(client.put(RESERVATIONS, content=SEED_BODY, headers=headers), 405, "REQUEST.METHOD_NOT_ALLOWED")
