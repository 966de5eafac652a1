"""The gift-card provider tested the way its author would: with voucher-engine's test kit
(the ``ve_*`` fixtures of its pytest plugin) and nothing else of voucher-engine's test suite.

Each test runs on SQLite and on PostgreSQL (``$VOUCHER_ENGINE_TEST_PG_URL``). Most call the
app in-process (``ve_client``, fast); one goes through a real server process (``ve_server``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from voucher_engine import Money, VoucherKind, VoucherSpec, WindowSpec

KEY = {"X-Api-Key": "acme-secret-key"}


@pytest.fixture
def cards(ve_engine):
    """Two tenants, each with a card; the example's API key belongs to acme."""
    for tenant in ("acme", "globex"):
        ve_engine.create_tenant(tenant)
    ve_engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")), code="CARD-1")
    ve_engine.issue("globex", VoucherSpec(VoucherKind.MONETARY, Money.parse("80.00", "EUR")), code="GLOBEX-1")
    return ve_engine


@pytest.fixture
def client(ve_client, cards):
    return ve_client(mounts={"giftcard": "/partner/v2"})


def test_a_redemption_moves_money_once_per_idempotency_key(client, cards):
    headers = {**KEY, "Idempotency-Key": "order-77"}
    body = {"amount": "12.50", "currency": "EUR", "storeId": "shop-1"}
    first = client.post("/partner/v2/cards/CARD-1/redeem", json=body, headers=headers)
    again = client.post("/partner/v2/cards/CARD-1/redeem", json=body, headers=headers)
    assert (first.status_code, first.json()["balance"]) == (200, "37.50")
    assert again.json() == first.json()
    assert cards.get_voucher("acme", code="CARD-1").available == 3750


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"{not json", 400, "malformed"),
        (b'{"amount": 12.5, "currency": "EUR"}', 400, "invalid"),
        (b'{"amount": "99.00", "currency": "EUR"}', 422, "insufficient_funds"),
    ],
)
def test_bad_requests_get_the_providers_error_shape_and_write_nothing(client, cards, raw, status, code):
    before = len(cards.ledger("acme", code="CARD-1"))
    reply = client.post("/partner/v2/cards/CARD-1/redeem", content=raw,
                        headers={**KEY, "Content-Type": "application/json"})
    assert (reply.status_code, reply.json()["error"]["code"]) == (status, code)
    assert len(cards.ledger("acme", code="CARD-1")) == before


def test_credentials_and_tenancy(client):
    assert client.get("/partner/v2/cards/CARD-1", headers={"X-Api-Key": "forged"}).status_code == 401
    hidden = client.get("/partner/v2/cards/GLOBEX-1", headers=KEY)
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "voucher_not_found")


def test_a_real_server_finds_the_provider_through_its_entry_point_and_follows_the_clock(ve_server, ve_clock, cards):
    thirty_days = (WindowSpec(days_after_issue=30),)
    cards.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR"), validity=thirty_days),
                code="SHORT-1")
    server = ve_server(mounts={"giftcard": "/partner/v2"})  # the installed entry points, as deployed

    assert server.request("GET", "/providers/giftcard/openapi.json").json()["info"]["title"] == "Gift card API"
    card = server.request("GET", "/partner/v2/cards/CARD-1", headers=KEY)
    assert (card.status, card.json()) == (
        200, {"code": "CARD-1", "balance": "50.00", "currency": "EUR", "state": "available"})

    redeem = {"amount": "1.00", "currency": "EUR"}
    assert server.request("POST", "/partner/v2/cards/SHORT-1/redeem", json_body=redeem, headers=KEY).status == 200
    ve_clock.advance(timedelta(days=31))  # the server's engine reads the test's clock
    late = server.request("POST", "/partner/v2/cards/SHORT-1/redeem", json_body=redeem, headers=KEY)
    assert (late.status, late.json()["error"]["code"]) == (422, "voucher_expired")
