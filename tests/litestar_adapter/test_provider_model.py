"""Every capability of the provider model, through the real ASGI app (``model_provider``)."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime

import model_provider
import pytest
from litestar.testing import TestClient
from standardwebhooks import Webhook

from voucher_engine import Engine, EngineConfig, ManualClock, Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import DeliverySettings, Webhooks, Worker
from voucher_engine.errors import ValidationError
from voucher_engine.plugins import PluginSettings
from voucher_engine.testing.webhooks import WebhookReceiver as Receiver
from voucher_engine_litestar import create_app

BEARER = {"Authorization": f"Bearer {model_provider.BEARER}"}
LOOPBACK = DeliverySettings(allowed_networks=("127.0.0.1/32",), periodic_jobs={})


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def open_engine(url: str, clock: ManualClock | None = None) -> Engine:
    return Engine.open(
        url,
        clock=clock,
        random=random.Random(5),
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(model_provider,)),
    )


@pytest.fixture
def model_engine(sqlite_url):
    engine = open_engine(sqlite_url)
    engine.create_tenant("acme")
    yield engine
    engine.close()


@pytest.fixture
def client(model_engine):
    with TestClient(create_app(model_engine, mounts=model_provider.MOUNTS)) as test_client:
        yield test_client


# --- per-field errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"amount": 10.5, "reference": "r"}, ("amount", "type")),
        ({"reference": "r"}, ("amount", "required")),
        ({"amount": "10.5", "reference": "r"}, ("amount", "pattern")),
        ({"amount": "10.50", "reference": "r", "tip": 1}, ("tip", "unknown")),
        (
            {"amount": "10.50", "reference": "r", "items": [{"itemCode": "a", "quantity": 0}]},
            ("items[0].quantity", "minimum"),
        ),
        ({"amount": "10.50", "reference": "r", "items": [{}]}, ("items[0].itemCode", "required")),
    ],
)
def test_a_decoding_failure_names_the_field_and_rule(client, body, expected):
    response = client.post("/v1/orders", json=body, headers=BEARER)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["code"], error["property"], error["rule"]) == ("invalid", *expected)


def test_a_handlers_field_errors_reach_the_renderer(client):
    response = client.post("/v1/orders", json={"amount": "10.50", "reference": "taken"}, headers=BEARER)
    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {"code": "invalid", "property": "reference", "rule": "unique", "message": "this reference is already used"}
        ]
    }


def test_another_provider_renders_the_same_failure_in_its_own_shape(client):
    response = client.post("/v1/status", json={"code": "ab"})
    assert response.status_code == 422
    assert response.json() == {"errors": {"code": ["Expected `str` of length >= 3"]}}
    assert client.post("/v1/status", json={"code": "abc"}).json() == {"code": "abc", "ok": True}


# --- 204 --------------------------------------------------------------------------------------


def test_a_204_has_no_body(client):
    response = client.delete("/v1/orders/o-1", headers=BEARER)
    assert response.status_code == 204
    assert response.content == b""
    missing = client.delete("/v1/orders/o-2", headers=BEARER)
    assert (missing.status_code, missing.json()["errors"][0]["code"]) == (404, "not_found")


# --- any-of authentication --------------------------------------------------------------------


def test_a_token_endpoint_takes_basic_or_form_credentials(client):
    form = {"grant_type": "client_credentials"}
    by_basic = client.post("/v1/token", data=form, headers=basic(*model_provider.CLIENT))
    by_form = client.post("/v1/token", data={**form, "client_id": "shop-1", "client_secret": "s3cret-s3cret"})
    assert by_basic.json()["access_token"] == "token-for-client:shop-1:basic"
    assert by_form.json()["access_token"] == "token-for-client:shop-1:body"


def test_the_first_scheme_present_decides(client):
    # Basic credentials are present and wrong: the form's right ones are not tried instead.
    response = client.post(
        "/v1/token",
        data={"grant_type": "client_credentials", "client_id": "shop-1", "client_secret": "s3cret-s3cret"},
        headers=basic("shop-1", "wrong"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_bearer_token_or_a_key_with_its_required_header(client):
    assert client.get("/v1/who", headers=BEARER).json() == {"principal": "bearer"}
    with_host = client.get("/v1/who", headers={"X-Api-Key": "alpha-key", "X-Hostname": "shop.example"})
    assert with_host.json() == {"principal": "key@shop.example"}
    without_host = client.get("/v1/who", headers={"X-Api-Key": "alpha-key"})
    assert without_host.status_code == 401
    assert without_host.json()["errors"][0]["message"] == "missing X-Hostname header"
    nothing = client.get("/v1/who")
    assert nothing.status_code == 401
    assert nothing.json()["errors"][0]["message"] == "missing a bearer token or the X-Api-Key header"


# --- encodings --------------------------------------------------------------------------------


def test_multipart_form_data_with_a_file(client):
    response = client.post(
        "/v1/imports", headers=BEARER, data={"note": "codes"}, files={"file": ("codes.csv", b"A\nB\nC\n", "text/csv")}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"filename": "codes.csv", "contentType": "text/csv", "lines": 3, "note": "codes"}
    no_file = client.post("/v1/imports", headers=BEARER, files={"note": (None, b"x")})
    assert no_file.status_code == 422
    assert no_file.json()["errors"][0]["property"] == "file"


def test_one_operation_takes_json_or_a_form_by_content_type(client):
    as_json = client.post("/v1/notes", json={"text": "hi"}, headers=BEARER)
    as_form = client.post("/v1/notes", data={"text": "hi"}, headers=BEARER)
    assert as_json.json() == {"text": "hi", "via": "application/json"}
    assert as_form.json() == {"text": "hi", "via": "application/x-www-form-urlencoded"}
    xml = client.post("/v1/notes", content=b"<text/>", headers={**BEARER, "Content-Type": "application/xml"})
    assert xml.status_code == 400
    assert xml.json()["errors"][0]["code"] == "malformed"


# --- errors before the handler, in the operation's shape ------------------------------------------


def test_the_token_endpoints_own_shape_covers_failures_before_its_handler(client):
    unauthenticated = client.post("/v1/token")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json() == {
        "error": "invalid_client",
        "error_description": "missing Basic credentials or credentials in the body",
    }
    assert unauthenticated.headers["www-authenticate"] == 'Basic realm="alpha"'
    no_client_in_form = client.post("/v1/token", data={"grant_type": "client_credentials"})
    assert (no_client_in_form.status_code, no_client_in_form.json()["error"]) == (401, "invalid_client")
    too_large = client.post(
        "/v1/token",
        content=b"grant_type=" + b"x" * 2048,
        headers={**basic(*model_provider.CLIENT), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert too_large.status_code == 400
    assert too_large.json()["error"] == "invalid_request"
    wrong_method = client.get("/v1/token")
    assert wrong_method.status_code == 400
    assert wrong_method.json()["error"] == "invalid_request"


def test_routing_misses_under_the_shared_prefix_get_a_providers_shape(client):
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"code": "not_found", "property": None, "rule": None, "message": "Not Found"}]}
    wrong_method = client.get("/v1/status")  # beta's path: beta's shape
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"errors": {"_": ["Method Not Allowed"]}}


def test_an_operation_has_its_own_rate_limit(client):
    answers = [client.get("/v1/staff", headers=BEARER) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["errors"][0]["code"] == "rate_limited"
    assert int(answers[2].headers["retry-after"]) >= 1
    # Other operations are not limited by it; a client is its address, so another credential
    # from the same address buys no new bucket.
    assert client.get("/v1/who", headers=BEARER).status_code == 200
    assert client.get("/v1/staff", headers={"Authorization": "Bearer someone-else"}).status_code == 429


# --- mounting ---------------------------------------------------------------------------------


def test_two_operations_at_one_method_and_path_fail_at_start_up(model_engine):
    with pytest.raises(ValidationError, match=r"POST /v1/token: operations alpha.token and gamma.token collide"):
        create_app(model_engine, mounts={**model_provider.MOUNTS, "gamma": "/v1"})


# --- OpenAPI ----------------------------------------------------------------------------------


def test_openapi_tells_each_providers_truth(client):
    alpha = client.get("/providers/alpha/openapi.json").json()
    beta = client.get("/providers/beta/openapi.json").json()
    assert set(alpha["paths"]) == {
        "/v1/token",
        "/v1/orders",
        "/v1/orders/{orderId}",
        "/v1/who",
        "/v1/notes",
        "/v1/imports",
        "/v1/staff",
    }
    assert set(beta["paths"]) == {"/v1/status"}
    delete = alpha["paths"]["/v1/orders/{orderId}"]["delete"]
    assert delete["responses"]["204"] == {"description": "No Content"}
    create = alpha["paths"]["/v1/orders"]["post"]
    assert {"201", "401", "422"} <= set(create["responses"])
    assert create["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AlphaError"
    }
    token = alpha["paths"]["/v1/token"]["post"]
    assert token["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OAuthErrorOut"
    }
    assert token["security"] == [{"alpha-basic": []}, {}]
    assert alpha["paths"]["/v1/who"]["get"]["security"] == [
        {"alpha-bearer": []},
        {"alpha-header-x-api-key": [], "alpha-header-x-hostname": []},
    ]
    assert set(alpha["paths"]["/v1/notes"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
    }
    assert "multipart/form-data" in alpha["paths"]["/v1/imports"]["post"]["requestBody"]["content"]
    assert alpha["components"]["schemas"]["Upload"] == {
        "type": "string",
        "format": "binary",
        "description": "A file part",
    }
    # Every operation can be limited: failed authentications wherever credentials are checked.
    assert "429" in alpha["paths"]["/v1/staff"]["get"]["responses"]
    assert "429" in alpha["paths"]["/v1/who"]["get"]["responses"]
    # Only its own schemas and security schemes; never Litestar's default error body.
    assert "BetaError" not in alpha["components"]["schemas"] and "AlphaError" not in beta["components"]["schemas"]
    assert "securitySchemes" not in beta["components"]
    assert "detail" not in str(alpha) and "extra" not in str(beta)


# --- webhooks in the provider's shape ---------------------------------------------------------------


def test_an_endpoint_registered_for_a_provider_gets_its_shape(database_url):
    engine = open_engine(database_url, ManualClock(datetime.now(UTC).replace(microsecond=0)))
    try:
        engine.create_tenant("acme")
        with Receiver() as shaped, Receiver() as plain:
            webhooks = Webhooks(engine, LOOPBACK)
            alpha = webhooks.create_endpoint("acme", shaped.url, provider="alpha")
            core = webhooks.create_endpoint("acme", plain.url)
            with pytest.raises(ValidationError, match="no provider registered as 'nope'"):
                webhooks.create_endpoint("acme", plain.url, provider="nope")
            engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")), code="CARD-9")
            engine.redeem("acme", code="CARD-9", amount=Money.parse("5.00", "EUR"))
            engine.lock("acme", code="CARD-9", locking_code="basket-1")  # alpha maps no lock: not sent
            worker = Worker(engine, LOOPBACK)
            try:
                while not worker.run_once().idle:
                    pass
            finally:
                worker.close()
            events = sorted(
                (Webhook(alpha.secret).verify(r.body, r.headers) for r in shaped.received),
                key=lambda e: e["timestamp"] + e["type"],
            )
            assert [(e["type"], e["data"]) for e in events] == [
                ("card.created", {"cardCode": "CARD-9", "balance": "50.00"}),
                ("card.redeemed", {"cardCode": "CARD-9", "balance": "45.00"}),
            ]
            # Signed with the endpoint's secret and the core's event ids, like any webhook.
            core_events = [Webhook(core.secret).verify(r.body, r.headers) for r in plain.received]
            assert sorted(e["type"] for e in core_events) == ["voucher.issued", "voucher.locked", "voucher.redeemed"]
            assert {e["id"] for e in events} < {e["id"] for e in core_events}
            shaped_log = webhooks.deliveries("acme", endpoint_id=alpha.endpoint.id)
            assert sorted(d.event_type for d in shaped_log) == ["card.created", "card.redeemed"]
            # A manual redelivery to an endpoint created since is shaped the same way.
            late = webhooks.create_endpoint("acme", shaped.url, provider="alpha", event_types=["voucher.issued"])
            issued = next(e for e in core_events if e["type"] == "voucher.issued")
            [again] = [d for d in webhooks.redeliver_event("acme", issued["id"]) if d.endpoint_id == late.endpoint.id]
            assert again.event_type == "card.created"
    finally:
        engine.close()
