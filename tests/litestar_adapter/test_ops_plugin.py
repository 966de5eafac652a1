"""VoucherEnginePlugin in a host's own Litestar app, next to the host's own routes."""

from __future__ import annotations

import pytest
from litestar import Litestar, MediaType, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException, ImproperlyConfiguredException, NotFoundException
from litestar.testing import TestClient
from litestar_support import KEY, FakeMonotonic, by_label

from opsauth import METRICS, METRICS_TOKEN, bearer_headers
from voucher_engine import Engine
from voucher_engine.errors import ValidationError
from voucher_engine.storage import migrate
from voucher_engine_litestar import create_app
from voucher_engine_litestar.plugin import VoucherEnginePlugin
from voucher_engine_litestar.ratelimit import RateLimit


@get("/shop/basket", sync_to_thread=False)
def basket() -> dict[str, list[str]]:
    return {"items": ["socks"]}


@get("/shop/missing", sync_to_thread=False)
def missing() -> None:
    raise NotFoundException("no such basket")


def host_not_found(_: Request, error: HTTPException) -> Response:
    return Response(f"host says: {error.detail}", status_code=error.status_code, media_type=MediaType.TEXT)


def _host(engine: Engine, **plugin_options) -> Litestar:
    return Litestar(
        [basket, missing],
        plugins=[VoucherEnginePlugin(engine, mounts={"giftcard": "/partners/gift"}, **plugin_options)],
        exception_handlers={HTTPException: host_not_found},
        logging_config=None,
    )


def test_the_host_serves_its_routes_and_the_engines_side_by_side(one_card_engine: Engine, backend: str) -> None:
    with TestClient(_host(one_card_engine)) as client:
        own = client.get("/shop/basket")
        card = client.get("/partners/gift/cards/CARD-1", headers=KEY)
        ready = client.get("/ready")
        stats = client.get("/stats", headers=bearer_headers(one_card_engine, "acme"))
    assert (own.status_code, own.json()) == (200, {"items": ["socks"]})
    assert card.json() == {"code": "CARD-1", "balance": "50.00", "currency": "EUR", "state": "available"}
    assert ready.json() == {"status": "ready", "database": backend, "schema": migrate.head_revision()}
    assert stats.json()["vouchers"] == {"available": 1}


def test_each_side_keeps_its_error_shapes(sqlite_engine: Engine) -> None:
    with TestClient(_host(sqlite_engine)) as client:
        host_404 = client.get("/shop/missing")
        provider_404 = client.get("/partners/gift/cards/NOPE", headers=KEY)
        provider_401 = client.get("/partners/gift/cards/CARD-1")
        adapter_404 = client.get("/stats", params={"tenant": "nobody"}, headers=bearer_headers(sqlite_engine, "acme"))
    assert (host_404.status_code, host_404.text) == (404, "host says: no such basket")
    assert provider_404.json()["error"]["code"] == "voucher_not_found"
    assert provider_401.json()["error"]["code"] == "unauthorized"
    assert adapter_404.json() == {"code": "tenant_not_found", "message": "no tenant 'nobody'"}


def test_host_requests_get_ids_and_are_counted(sqlite_engine: Engine) -> None:
    with TestClient(_host(sqlite_engine, metrics_token=METRICS_TOKEN)) as client:
        own = client.get("/shop/basket", headers={"X-Request-ID": "host-1"})
        client.get("/partners/gift/cards/CARD-1", headers=KEY)
        client.get("/shop/basket")
        scrape = client.get("/metrics", headers=METRICS).text
    assert own.headers["x-request-id"] == "host-1"
    assert by_label(scrape, "voucher_engine_http_requests_total", "route", "status") == {
        ("/shop/basket", "200"): 2.0,
        ("/partners/gift/cards/{code}", "200"): 1.0,
    }
    assert by_label(scrape, "voucher_engine_vouchers_issued_total", "tenant") == {"acme": 1.0, "globex": 0.0}


def test_the_rate_limit_covers_the_engines_routes_only(sqlite_engine: Engine) -> None:
    limit = RateLimit(per_second=1, burst=1, clock=FakeMonotonic())
    with TestClient(_host(sqlite_engine, rate_limit=limit)) as client:
        provider = [client.get("/partners/gift/cards/CARD-1", headers=KEY).status_code for _ in range(2)]
        host = [client.get("/shop/basket", headers=KEY).status_code for _ in range(3)]
    assert provider == [200, 429]
    assert host == [200, 200, 200]


def test_the_hosts_openapi_gains_the_providers_security_scheme(sqlite_engine: Engine) -> None:
    with TestClient(_host(sqlite_engine)) as client:
        schema = client.get("/schema/openapi.json").json()
        provider_doc = client.get("/providers/giftcard/openapi.json").json()
    assert {"/shop/basket", "/partners/gift/cards/{code}"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["giftcard-header-x-api-key"] == {
        "type": "apiKey",
        "name": "X-Api-Key",
        "in": "header",
        "description": "Your API key",
    }
    assert "/shop/basket" not in provider_doc["paths"]
    assert "/partners/gift/cards/{code}" in provider_doc["paths"]
    # The plugin changed a copy of the host's OpenAPI settings, never Litestar's shared default.
    with TestClient(Litestar([basket])) as plain:
        assert "securitySchemes" not in plain.get("/schema/openapi.json").json().get("components", {})


def test_create_app_is_the_plugin_in_an_app_of_its_own(sqlite_engine: Engine) -> None:
    app = create_app(sqlite_engine)
    assert isinstance(app.plugins.get(VoucherEnginePlugin), VoucherEnginePlugin)


def test_a_wrong_mount_fails_when_the_plugin_is_built(sqlite_engine: Engine) -> None:
    with pytest.raises(ValidationError, match="no provider registered as nosuch"):
        VoucherEnginePlugin(sqlite_engine, mounts={"nosuch": "/x"})


def test_a_host_state_holding_another_engine_is_refused(sqlite_engine: Engine) -> None:
    with pytest.raises(ImproperlyConfiguredException, match="another engine"):
        Litestar(plugins=[VoucherEnginePlugin(sqlite_engine)], state=State({"engine": object()}))
