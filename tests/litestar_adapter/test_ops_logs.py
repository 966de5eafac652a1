"""Structured logs: one JSON access line per request, every adapter line with its request id."""

from __future__ import annotations

import io
import json
import logging

import pytest
from litestar.testing import TestClient
from litestar_support import KEY

from opsauth import bearer_headers
from voucher_engine import Engine, EngineConfig
from voucher_engine_litestar import create_app
from voucher_engine_litestar.logs import JsonFormatter, configure_json_logging

ACCESS = "voucher_engine_litestar.access"


def _json_lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger]


def test_one_json_access_line_per_request(sqlite_engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    with TestClient(create_app(sqlite_engine, access_log=True)) as client:
        card = client.get("/giftcard/cards/CARD-1", headers={**KEY, "X-Request-ID": "order-42"})
        missing = client.get("/no/such/route")
    lines = _json_lines(caplog, ACCESS)
    assert [{k: v for k, v in line.items() if k not in {"time", "duration_ms"}} for line in lines] == [
        {
            "level": "INFO",
            "logger": ACCESS,
            "message": "GET /giftcard/cards/{code} 200",
            "request_id": "order-42",
            "method": "GET",
            "route": "/giftcard/cards/{code}",
            "status": 200,
            "client": "testclient",
        },
        {
            "level": "INFO",
            "logger": ACCESS,
            "message": "GET unmatched 404",
            "request_id": missing.headers["x-request-id"],
            "method": "GET",
            "route": "unmatched",
            "status": 404,
            "client": "testclient",
        },
    ]
    assert card.headers["x-request-id"] == "order-42"
    assert all(isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0 for line in lines)
    # The voucher code is in the path, and paths are secrets here: only the template is logged.
    assert "CARD-1" not in json.dumps(lines)


def test_the_access_log_is_off_unless_asked_for(sqlite_engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    with TestClient(create_app(sqlite_engine)) as client:
        assert client.get("/health").status_code == 200
    assert _json_lines(caplog, ACCESS) == []


def test_every_adapter_line_of_a_request_carries_its_id(caplog: pytest.LogCaptureFixture) -> None:
    # A database that does not open: readiness logs a warning on the adapter's logger.
    caplog.set_level(logging.INFO, logger="voucher_engine_litestar")
    url = "sqlite:////nonexistent-directory/voucher-engine.sqlite3"
    with (
        Engine.open(url, config=EngineConfig(auto_migrate=False)) as engine,
        TestClient(create_app(engine, access_log=True)) as client,
    ):
        assert client.get("/ready", headers={"X-Request-ID": "probe-7"}).status_code == 503
    lines = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name.startswith("voucher_engine_litestar")
    ]
    assert [(line["logger"], line["level"], line["request_id"]) for line in lines] == [
        ("voucher_engine_litestar", "WARNING", "probe-7"),
        (ACCESS, "INFO", "probe-7"),
    ]
    assert "does not answer" in lines[0]["message"]


def test_configured_json_logging_writes_parseable_lines(sqlite_engine: Engine) -> None:
    stream = io.StringIO()
    adapter_logger = logging.getLogger("voucher_engine_litestar")
    saved = (adapter_logger.level, adapter_logger.propagate)
    handler = configure_json_logging(stream=stream)
    try:
        # Configuring twice replaces the handler instead of doubling every line.
        assert configure_json_logging(stream=stream) is not handler
        with TestClient(create_app(sqlite_engine, access_log=True)) as client:
            client.get("/health", headers={"X-Request-ID": "lb-probe"})
            client.get(
                "/stats",
                headers={"X-Request-ID": "ops-1", **bearer_headers(sqlite_engine, "acme")},
                params={"tenant": "nobody"},
            )
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            adapter_logger.exception("outside any request")
    finally:
        for h in [h for h in adapter_logger.handlers if type(h) is type(handler)]:
            adapter_logger.removeHandler(h)
        adapter_logger.setLevel(saved[0])
        adapter_logger.propagate = saved[1]
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["route"], line["status"], line["request_id"]) for line in lines[:2]] == [
        ("/health", 200, "lb-probe"),
        ("/stats", 404, "ops-1"),
    ]
    assert lines[2]["request_id"] == "-"
    assert lines[2]["message"] == "outside any request"
    assert lines[2]["exception"].splitlines()[-1] == "RuntimeError: boom"
    assert len(lines) == 3
