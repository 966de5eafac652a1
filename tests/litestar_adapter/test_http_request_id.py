"""Request ids: echoed when sane, replaced when not, on every response, in log records."""

from __future__ import annotations

import logging
import re

import pytest
from litestar.testing import TestClient

from voucher_engine import Engine, EngineConfig
from voucher_engine_litestar import create_app, current_request_id

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    # These requests only read, so one migrated database serves the whole module.
    url = f"sqlite:///{tmp_path_factory.mktemp('request-id') / 'engine.sqlite3'}"
    with Engine.open(url) as engine, TestClient(create_app(engine)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "incoming", ["abc", "trace-42.retry_1", "A" * 128, "0"], ids=["short", "dotted", "128-chars", "one-char"]
)
def test_a_sane_id_is_echoed(client: TestClient, incoming: str) -> None:
    response = client.get("/health", headers={"X-Request-ID": incoming})
    assert response.headers["x-request-id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["has spaces", "A" * 129, "x" * 500, "", "semi;colon", "new\tline", "caf\u00e9", "a/b"],
    ids=["spaces", "129-chars", "500-chars", "empty", "semicolon", "tab", "non-ascii", "slash"],
)
def test_a_malformed_id_is_replaced(client: TestClient, incoming: str) -> None:
    response = client.get("/health", headers={"X-Request-ID": incoming.encode("latin-1")})
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["x-request-id"])


def test_each_request_without_an_id_gets_a_new_one(client: TestClient) -> None:
    first = client.get("/health").headers["x-request-id"]
    second = client.get("/health").headers["x-request-id"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/nowhere", 404), ("DELETE", "/health", 405)])
def test_errors_raised_while_routing_carry_the_id_too(client: TestClient, method: str, path: str, status: int) -> None:
    response = client.request(method, path, headers={"X-Request-ID": "route-miss"})
    assert response.status_code == status
    assert response.headers.get_list("x-request-id") == ["route-miss"]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_log_lines_written_during_a_request_carry_its_id() -> None:
    # A database that does not open makes the (threaded) readiness check log a warning.
    url = "sqlite:////nonexistent-directory/voucher-engine.sqlite3"
    records = _Records()
    logger = logging.getLogger("voucher_engine_litestar")
    logger.addHandler(records)
    try:
        with (
            Engine.open(url, config=EngineConfig(auto_migrate=False)) as engine,
            TestClient(create_app(engine)) as client,
        ):
            response = client.get("/ready", headers={"X-Request-ID": "probe-7"})
    finally:
        logger.removeHandler(records)
    assert response.status_code == 503
    assert [(r.levelname, r.request_id) for r in records.records] == [("WARNING", "probe-7")]
    assert "does not answer" in records.records[0].getMessage()
    assert current_request_id() is None
