"""The app as ``voucher-engine serve`` runs it: ``create_app_from_env`` in-process, then a real
uvicorn process on a real port, on SQLite and PostgreSQL."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from litestar.testing import TestClient

from dbsupport import database_of
from opsauth import bearer_headers
from voucher_engine import Engine, EngineConfig, Money, VoucherKind, VoucherSpec
from voucher_engine.storage import migrate
from voucher_engine.testing import PRODUCTION_APP, Server
from voucher_engine_litestar import create_app_from_env


def test_the_app_from_env_opens_the_url_and_closes_its_engine(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOUCHER_ENGINE_URL", sqlite_url)
    app = create_app_from_env()
    engine = app.state.engine
    with TestClient(app) as client:
        assert client.get("/ready").json()["status"] == "ready"
        assert database_of(engine).sa.pool.checkedin() >= 1
    # The app opened the engine, so its shutdown disposed of the connection pool.
    assert database_of(engine).sa.pool.checkedin() == 0


def test_the_app_from_env_defaults_to_a_sqlite_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOUCHER_ENGINE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    with TestClient(create_app_from_env()) as client:
        ready = client.get("/ready")
    assert ready.json() == {"status": "ready", "database": "sqlite", "schema": migrate.head_revision()}
    assert (tmp_path / "voucher-engine.sqlite3").is_file()


# --- a real server process (the test kit's ``ve_server``, running the production factory) -------


def _get(server: Server, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], object]:
    response = server.request("GET", path, headers=headers)
    return response.status, response.headers, response.json()


def _seed(url: str) -> dict[str, str]:
    """Migrate the database and give it data whose counts the server must report; the
    operator's token, for /stats."""
    with Engine.open(url, config=EngineConfig(auto_migrate=True)) as engine:
        engine.create_tenant("acme")
        engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("25.00", "EUR")))
        engine.create_pool("acme", "summer")
        engine.add_codes("acme", "summer", ["SUMMER-1", "SUMMER-2"])
        engine.pop_code("acme", "summer", reference="order-9")
        return bearer_headers(engine, "acme")


@pytest.fixture
def serve(ve_server):
    """``uvicorn --factory voucher_engine_litestar:create_app_from_env``, as ``voucher-engine
    serve`` runs it, logging at info (its shutdown line is checked)."""
    return lambda url: ve_server(url, app=PRODUCTION_APP, log_level="info", plugins=None, clock=None, worker=True)


def _check_server(server: Server, dialect: str, operator: dict[str, str]) -> None:
    status, _, body = _get(server, "/health")
    assert (status, body) == (200, {"status": "ok"})

    status, headers, body = _get(server, "/ready", {"X-Request-ID": "e2e-ready-1"})
    assert (status, body) == (200, {"status": "ready", "database": dialect, "schema": migrate.head_revision()})
    assert headers["x-request-id"] == "e2e-ready-1"

    status, _, body = _get(server, "/stats", operator)
    assert status == 200
    # 1 voucher issued + 1 codes added + 1 code issued, all for acme.
    assert body == {
        "vouchers": {"available": 1},
        "holds_pending": 0,
        "pools": [{"tenant": "acme", "pool": "summer", "size": 2, "issued": 1, "remaining": 1}],
        "outbox": 3,
    }

    status, _, body = _get(server, "/stats?tenant=nobody", operator)
    assert (status, body) == (404, {"code": "tenant_not_found", "message": "no tenant 'nobody'"})

    returncode = server.stop()
    # uvicorn shuts down gracefully, then re-raises SIGTERM so its exit status tells the truth.
    assert returncode == -signal.SIGTERM, server.log()
    assert "Application shutdown complete" in server.log()


def test_a_uvicorn_process_serves_a_sqlite_file(tmp_path: Path, serve) -> None:
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    operator = _seed(url)
    _check_server(serve(url), "sqlite", operator)


@pytest.mark.postgresql
def test_a_uvicorn_process_serves_postgresql(pg_url: str, serve) -> None:
    operator = _seed(pg_url)
    _check_server(serve(pg_url), "postgresql", operator)
