"""/health, /ready and /stats through the real ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import jwt
import pytest
from litestar.testing import TestClient

from dbsupport import database_of
from opsauth import bearer_headers
from voucher_engine import Engine, EngineConfig, Money, VoucherKind, VoucherSpec
from voucher_engine.storage import migrate
from voucher_engine_litestar import create_app


@pytest.fixture
def client(engine: Engine):
    """The platform operator's client: every request carries a token with ``admin:tenants``."""
    with TestClient(create_app(engine)) as test_client:
        test_client.headers.update(bearer_headers(engine, "acme"))
        yield test_client


@pytest.fixture
def sqlite_client(sqlite_url: str):
    """For what never touches the database (liveness, routing): one backend is enough."""
    with Engine.open(sqlite_url) as engine, TestClient(create_app(engine)) as test_client:
        yield test_client


def test_health_answers_ok(sqlite_client: TestClient) -> None:
    response = sqlite_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_migrated(client: TestClient, backend: str) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": backend, "schema": migrate.head_revision()}


#: A well-formed token signed by a key nobody knows: checking it reads the signing keys.
UNKNOWN_KEY = {
    "Authorization": "Bearer " + jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256", headers={"kid": "nope"})
}


def test_not_ready_on_an_unmigrated_database(database_url: str) -> None:
    with (
        Engine.open(database_url, config=EngineConfig(auto_migrate=False)) as engine,
        TestClient(create_app(engine)) as client,
    ):
        ready = client.get("/ready")
        stats = client.get("/stats", headers=UNKNOWN_KEY)
        health = client.get("/health")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "reason": f"the database schema is at no revision, not at {migrate.head_revision()}",
    }
    # Without tables the engine raises StorageError: a 503 whose text hides the driver's.
    assert stats.status_code == 503
    assert stats.json() == {"code": "storage_error", "message": "the database is unavailable; try again later"}
    assert health.status_code == 200


DOWN = {
    "sqlite": "sqlite:////nonexistent-directory/voucher-engine.sqlite3",
    # Port 1 on the loopback refuses at once: a server that is down, without waiting.
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/test",
}


@pytest.mark.parametrize("dialect", sorted(DOWN))
def test_not_ready_when_the_database_is_down(dialect: str) -> None:
    with (
        Engine.open(DOWN[dialect], config=EngineConfig(auto_migrate=False)) as engine,
        TestClient(create_app(engine)) as client,
    ):
        ready = client.get("/ready")
        stats = client.get("/stats", headers=UNKNOWN_KEY)
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "reason": f"the {dialect} database does not answer"}
    assert stats.status_code == 503
    assert stats.json()["code"] == "storage_error"


def test_stats_shows_exact_counts_of_real_data(engine: Engine, client: TestClient) -> None:
    assert client.get("/stats").json() == {"vouchers": {}, "holds_pending": 0, "pools": [], "outbox": 0}

    gift = engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")))
    engine.issue("acme", VoucherSpec(VoucherKind.SINGLE_USE))
    engine.issue("globex", VoucherSpec(VoucherKind.SINGLE_USE))
    engine.hold("acme", code=gift.code, amount=Money.parse("20.00", "EUR"))
    engine.create_pool("acme", "spring")
    engine.add_codes("acme", "spring", ["SPRING-1", "SPRING-2", "SPRING-3"])
    engine.pop_code("acme", "spring", reference="order-1")

    everything = client.get("/stats")
    assert everything.status_code == 200
    # acme: 2 issued + 1 hold created + 1 codes added + 1 code issued; globex: 1 issued.
    assert everything.json() == {
        "vouchers": {"available": 3},
        "holds_pending": 1,
        "pools": [{"tenant": "acme", "pool": "spring", "size": 3, "issued": 1, "remaining": 2}],
        "outbox": 6,
    }
    assert everything.json() == engine.stats()

    globex = client.get("/stats", params={"tenant": "globex"})
    assert globex.status_code == 200
    assert globex.json() == {"vouchers": {"available": 1}, "holds_pending": 0, "pools": [], "outbox": 1}


def test_stats_for_an_unknown_tenant_is_not_found(client: TestClient) -> None:
    response = client.get("/stats", params={"tenant": "initech"})
    assert response.status_code == 404
    assert response.json() == {"code": "tenant_not_found", "message": "no tenant 'initech'"}


def test_stats_answer_only_with_a_fitting_token_and_never_say_which_tenants_exist(
    engine: Engine,
    client: TestClient,
) -> None:
    engine.issue("globex", VoucherSpec(VoucherKind.SINGLE_USE))
    acme_reader = bearer_headers(engine, "acme", "admin:read")
    assert client.get("/stats", headers={"Authorization": ""}).status_code == 401
    assert client.get("/stats", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    own = client.get("/stats", headers=acme_reader)
    assert own.status_code == 200 and own.json() == engine.stats("acme")
    assert client.get("/stats", headers=acme_reader, params={"tenant": "acme"}).json() == engine.stats("acme")
    # Another tenant and no tenant at all: one answer, so a token is no existence oracle.
    other = client.get("/stats", headers=acme_reader, params={"tenant": "globex"})
    unknown = client.get("/stats", headers=acme_reader, params={"tenant": "initech"})
    assert (other.status_code, unknown.status_code) == (404, 404)
    assert other.json()["code"] == unknown.json()["code"] == "tenant_not_found"
    # A tenant's token without a reading scope: 403, whatever tenant it names.
    pools = bearer_headers(engine, "acme", "admin:pools")
    assert {
        client.get("/stats", headers=pools, params=p).status_code
        for p in ({}, {"tenant": "globex"}, {"tenant": "initech"})
    } == {403}


def test_unknown_route_is_a_json_404(sqlite_client: TestClient) -> None:
    response = sqlite_client.get("/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"code": "not_found", "message": "Not Found"}


def test_wrong_method_is_a_json_405_with_allow(sqlite_client: TestClient) -> None:
    response = sqlite_client.post("/stats", json={})
    assert response.status_code == 405
    assert response.json() == {"code": "method_not_allowed", "message": "Method Not Allowed"}
    assert sorted(m.strip() for m in response.headers["allow"].split(",")) == ["GET", "OPTIONS"]


def test_openapi_documents_the_operation_routes(sqlite_client: TestClient) -> None:
    schema = sqlite_client.get("/schema/openapi.json").json()
    assert schema["info"]["title"] == "voucher-engine"
    assert {"/health", "/ready", "/stats"} <= set(schema["paths"])
    assert "503" in schema["paths"]["/ready"]["get"]["responses"]


def test_not_ready_on_a_database_behind_head(database_url: str) -> None:
    head = migrate.head_revision()
    assert head != "0001", "a database at 0001 is behind head only while later migrations exist"
    with Engine.open(database_url, config=EngineConfig(auto_migrate=False)) as engine:
        migrate.upgrade(database_of(engine), "0001")
        with TestClient(create_app(engine)) as client:
            response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": f"the database schema is at 0001, not at {head}"}


def test_the_app_leaves_a_host_owned_engine_open(engine: Engine) -> None:
    app = create_app(engine)
    assert app.state.engine is engine
    with TestClient(app) as client:
        assert client.get("/stats", headers=bearer_headers(engine, "acme")).status_code == 200
    # After the app shut down, the host's engine still serves.
    assert engine.tenant_ids() == ["acme", "globex"]
    assert database_of(engine).sa.pool.checkedin() >= 1
