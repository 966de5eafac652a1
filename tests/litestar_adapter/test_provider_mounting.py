"""A provider, described without a web framework, served through the real Litestar app."""

from __future__ import annotations

import pytest

from voucher_engine.errors import ValidationError
from voucher_engine_litestar import create_app

KEY = {"X-Api-Key": "acme-secret-key"}
PREFIXES = ["/giftcard", "/partner/v2"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_one_provider_answers_under_two_prefixes(client, prefix):
    response = client.get(f"{prefix}/cards/CARD-1", headers=KEY)
    assert response.status_code == 200
    assert response.json() == {"code": "CARD-1", "balance": "50.00", "currency": "EUR", "state": "available"}


def test_json_body_redeems_once_per_idempotency_key(client, giftcard_engine):
    body = {"amount": "12.50", "currency": "EUR", "storeId": "shop-1"}
    headers = {**KEY, "Idempotency-Key": "order-77"}
    first = client.post("/giftcard/cards/CARD-1/redeem", json=body, headers=headers)
    again = client.post("/partner/v2/cards/CARD-1/redeem", json=body, headers=headers)
    assert first.status_code == 200 and first.json()["balance"] == "37.50"
    assert again.json() == first.json()
    assert giftcard_engine.get_voucher("acme", code="CARD-1").available == 3750


def test_form_encoded_body(client):
    response = client.post("/giftcard/check", data={"code": "CARD-1"}, headers=KEY)
    assert response.status_code == 200
    assert response.json()["balance"] == "50.00"


def test_bytes_and_redirect_replies(client):
    slip = client.get("/giftcard/cards/CARD-1/slip", headers=KEY)
    assert slip.status_code == 200
    assert slip.headers["content-type"] == "application/pdf"
    assert slip.content.startswith(b"%PDF") and b"CARD-1" in slip.content
    shop = client.get("/giftcard/cards/CARD-1/shop", headers=KEY, follow_redirects=False)
    assert shop.status_code == 302
    assert shop.headers["location"] == "https://shop.example/redeem?code=CARD-1"


def test_query_struct_is_decoded_and_validated(client, giftcard_engine):
    giftcard_engine.create_pool("acme", "p1")
    giftcard_engine.add_codes("acme", "p1", ["A", "B"])
    assert client.get("/giftcard/pools?limit=5", headers=KEY).json() == [{"pool": "p1", "remaining": 2}]
    refused = client.get("/giftcard/pools?limit=500", headers=KEY)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("raw", "expected_code"),
    [
        (b"{not json", "malformed"),
        (b'{"amount": 12.5, "currency": "EUR"}', "invalid"),  # a float where a string belongs
        (b'{"amount": "12.50", "currency": "EUR", "tip": "1.00"}', "invalid"),  # unknown field
        (b'{"currency": "EUR"}', "invalid"),  # missing field
        (b'{"amount": "12.5", "currency": "EUR"}', "invalid"),  # wrong format
    ],
)
def test_bad_bodies_get_the_providers_error_shape_and_write_nothing(client, giftcard_engine, raw, expected_code):
    before = len(giftcard_engine.ledger("acme", code="CARD-1"))
    response = client.post(
        "/giftcard/cards/CARD-1/redeem", content=raw, headers={**KEY, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == expected_code
    assert len(giftcard_engine.ledger("acme", code="CARD-1")) == before


def test_engine_errors_are_rendered_by_the_provider(client):
    wrong_currency = client.post(
        "/giftcard/cards/CARD-1/redeem", json={"amount": "1.00", "currency": "USD"}, headers=KEY
    )
    assert wrong_currency.status_code == 400
    assert wrong_currency.json()["error"]["code"] == "currency_mismatch"
    too_much = client.post("/giftcard/cards/CARD-1/redeem", json={"amount": "99.00", "currency": "EUR"}, headers=KEY)
    assert too_much.status_code == 422
    assert too_much.json()["error"]["code"] == "insufficient_funds"


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "forged"}, {"X-Api-Key": ""}])
def test_missing_or_forged_credentials_are_401_in_the_providers_shape(client, headers):
    response = client.get("/giftcard/cards/CARD-1", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_another_tenants_card_is_not_found(client):
    response = client.get("/giftcard/cards/GLOBEX-1", headers=KEY)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "voucher_not_found"


def test_routing_errors_under_a_prefix_use_the_providers_shape(client):
    missing = client.get("/giftcard/nothing-here", headers=KEY)
    assert missing.status_code == 404 and "error" in missing.json()
    wrong_method = client.delete("/partner/v2/cards/CARD-1", headers=KEY)
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    assert "GET" in wrong_method.headers["allow"]
    # outside any provider the adapter's own shape stays
    assert client.get("/nothing").json()["code"] == "not_found"


def test_too_large_body_is_refused_in_the_providers_shape(client):
    response = client.post(
        "/giftcard/cards/CARD-1/redeem",
        content=b'{"amount": "' + b"1" * 70_000 + b'"}',
        headers={**KEY, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_openapi_is_served_per_provider(client):
    doc = client.get("/providers/giftcard/openapi.json").json()
    assert doc["info"]["title"] == "Gift card API"
    paths = set(doc["paths"])
    assert {"/giftcard/cards/{code}/redeem", "/partner/v2/cards/{code}/redeem", "/giftcard/check"} <= paths
    assert "/health" not in paths
    redeem = doc["paths"]["/giftcard/cards/{code}/redeem"]["post"]
    assert redeem["operationId"] == "giftcard.redeem"
    assert redeem["security"] == [{"giftcard-header-x-api-key": []}]
    assert doc["components"]["securitySchemes"]["giftcard-header-x-api-key"]["name"] == "X-Api-Key"
    assert "requestBody" in redeem
    assert client.get("/providers/nope/openapi.json").status_code == 404


def test_mounting_an_unknown_provider_or_a_shared_prefix_is_refused(giftcard_engine):
    with pytest.raises(ValidationError, match="nope"):
        create_app(giftcard_engine, mounts={"nope": "/x"})
    with pytest.raises(ValidationError, match="prefix"):
        create_app(giftcard_engine, mounts={"giftcard": ["/a", "/a/"]})


def test_a_provider_can_be_mounted_at_the_root(giftcard_engine):
    from litestar.testing import TestClient

    with TestClient(create_app(giftcard_engine, mounts={"giftcard": "/"})) as root:
        assert root.get("/cards/CARD-1", headers=KEY).json()["balance"] == "50.00"
        assert root.get("/health").json() == {"status": "ok"}
        assert "error" in root.get("/nothing", headers=KEY).json()


def test_credentials_are_checked_before_the_body_is_read(client, giftcard_engine):
    response = client.post(
        "/giftcard/cards/CARD-1/redeem", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert len(giftcard_engine.ledger("acme", code="CARD-1")) == 1
