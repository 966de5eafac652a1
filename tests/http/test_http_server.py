"""The app as ``voucher-engine serve`` runs it: ``create_app_from_env`` in-process, then a real
uvicorn process on a real port, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from litestar.testing import TestClient

from dbsupport import database_of
from voucher_engine import Engine, EngineConfig, Money, VoucherKind, VoucherSpec
from voucher_engine.storage import migrate
from voucher_engine_litestar import create_app_from_env

STARTUP_DEADLINE_S = 30.0
EXIT_DEADLINE_S = 15.0


def test_the_app_from_env_opens_the_url_and_closes_its_engine(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
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


# --- a real server process -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], object]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def _seed(url: str) -> None:
    """Migrate the database and give it data whose counts the server must report."""
    with Engine.open(url, config=EngineConfig(auto_migrate=True)) as engine:
        engine.create_tenant("acme")
        engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("25.00", "EUR")))
        engine.create_pool("acme", "summer")
        engine.add_codes("acme", "summer", ["SUMMER-1", "SUMMER-2"])
        engine.pop_code("acme", "summer", reference="order-9")


class _Server:
    def __init__(self, url: str, log_path: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "voucher_engine_litestar:create_app_from_env",
             "--host", "127.0.0.1", "--port", str(self.port)],
            env={**os.environ, "VOUCHER_ENGINE_URL": url},
            cwd=log_path.parent,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if _get(f"{self.base}/health")[0] == 200:
                    return
            except (urllib.error.URLError, ConnectionError):
                pass  # not listening yet
            time.sleep(0.05)  # a polling interval, not a wait for time to pass
        pytest.fail(f"no healthy answer within {STARTUP_DEADLINE_S} s:\n{self.log()}")

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=EXIT_DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return None
        self._log.close()
        return self.process.returncode


@pytest.fixture
def serve(tmp_path: Path):
    servers: list[_Server] = []

    def start(url: str) -> _Server:
        server = _Server(url, tmp_path / "server.log")
        servers.append(server)
        server.wait_until_healthy()
        return server

    yield start
    for server in servers:
        server.stop()  # only matters when a test failed before stopping it itself


def _check_server(server: _Server, dialect: str) -> None:
    status, _, body = _get(f"{server.base}/health")
    assert (status, body) == (200, {"status": "ok"})

    status, headers, body = _get(f"{server.base}/ready", {"X-Request-ID": "e2e-ready-1"})
    assert (status, body) == (
        200, {"status": "ready", "database": dialect, "schema": migrate.head_revision()}
    )
    assert headers["x-request-id"] == "e2e-ready-1"

    status, _, body = _get(f"{server.base}/stats")
    assert status == 200
    # 1 voucher issued + 1 codes added + 1 code issued, all for acme.
    assert body == {
        "vouchers": {"available": 1},
        "holds_pending": 0,
        "pools": [{"tenant": "acme", "pool": "summer", "size": 2, "issued": 1, "remaining": 1}],
        "outbox": 3,
    }

    status, _, body = _get(f"{server.base}/stats?tenant=nobody")
    assert (status, body) == (404, {"code": "tenant_not_found", "message": "no tenant 'nobody'"})

    returncode = server.stop()
    # uvicorn shuts down gracefully, then re-raises SIGTERM so its exit status tells the truth.
    assert returncode == -signal.SIGTERM, server.log()
    assert "Application shutdown complete" in server.log()


def test_a_uvicorn_process_serves_a_sqlite_file(tmp_path: Path, serve) -> None:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    _seed(url)
    _check_server(serve(url), "sqlite")


@pytest.mark.postgresql
def test_a_uvicorn_process_serves_postgresql(pg_url: str, serve) -> None:  # noqa: ANN001
    _seed(pg_url)
    _check_server(serve(pg_url), "postgresql")
