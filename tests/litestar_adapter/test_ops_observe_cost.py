"""What observing a request costs, counted exactly: the access record passes the request-id
filter once, metric children are looked up once per label set, the JSON time is built once
per second yet reads exactly as ``datetime.isoformat`` would."""

from __future__ import annotations

import io
import json
import logging
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient
from prometheus_client import CollectorRegistry

from voucher_engine import Engine
from voucher_engine_litestar import create_app
from voucher_engine_litestar.logs import (
    ADAPTER_LOGGER,
    JsonFormatter,
    _UtcSeconds,
    configure_json_logging,
    direct_access_handler,
)
from voucher_engine_litestar.metrics import HttpMetrics
from voucher_engine_litestar.request_id import RequestIdLogFilter
from voucher_engine_litestar.telemetry import STATE_KEY as TELEMETRY_KEY

ACCESS = f"{ADAPTER_LOGGER}.access"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The adapter's logs as ``voucher-engine serve`` writes them, into a string."""
    adapter_logger = logging.getLogger(ADAPTER_LOGGER)
    saved = (adapter_logger.level, adapter_logger.propagate)
    stream = io.StringIO()
    configure_json_logging(stream=stream)
    yield stream
    for handler in [h for h in adapter_logger.handlers if getattr(h, "_voucher_engine_json", False)]:
        adapter_logger.removeHandler(handler)
    adapter_logger.setLevel(saved[0])
    adapter_logger.propagate = saved[1]


def _serve_probes(engine: Engine) -> None:
    with TestClient(create_app(engine, access_log=True)) as client:
        for n in range(3):
            client.get("/health", headers={"X-Request-ID": f"probe-{n}"})
        client.get("/no/such/route", headers={"X-Request-ID": "lost-1"})


class _PassThrough(logging.Filter):
    """A host's filter on the access logger: access lines then go the record's way."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[int] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.records.append(id(record))
        return True


def test_access_lines_written_directly_are_the_lines_the_formatter_makes(
    sqlite_engine: Engine, json_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[tuple[str, int]] = []
    real_filter = RequestIdLogFilter.filter

    def counted(self: RequestIdLogFilter, record: logging.LogRecord) -> bool:
        passes.append((record.name, id(record)))
        return real_filter(self, record)

    monkeypatch.setattr(RequestIdLogFilter, "filter", counted)
    # As under ``voucher-engine serve``: the JSON handler alone (pytest adds its capture handlers).
    adapter_logger = logging.getLogger(ADAPTER_LOGGER)
    ours = [h for h in adapter_logger.handlers if type(h.formatter) is JsonFormatter]
    monkeypatch.setattr(adapter_logger, "handlers", ours)
    assert direct_access_handler() is not None
    _serve_probes(sqlite_engine)  # written directly: no record made
    assert [name for name, _ in passes if name == ACCESS] == []
    direct = [json.loads(line) for line in json_lines.getvalue().splitlines()]

    host_filter = _PassThrough()
    logging.getLogger(ACCESS).addFilter(host_filter)
    try:
        assert direct_access_handler() is None
        _serve_probes(sqlite_engine)  # as records, through logging
    finally:
        logging.getLogger(ACCESS).removeFilter(host_filter)
    formatted = [json.loads(line) for line in json_lines.getvalue().splitlines()][len(direct) :]

    assert [(line["route"], line["status"], line["request_id"]) for line in direct] == [
        ("/health", 200, "probe-0"),
        ("/health", 200, "probe-1"),
        ("/health", 200, "probe-2"),
        ("unmatched", 404, "lost-1"),
    ]
    # Field for field (and in the same order) what JsonFormatter writes, but the instant.
    assert [list(line) for line in direct] == [list(line) for line in formatted]
    varying = {"time", "duration_ms"}
    assert [{k: v for k, v in line.items() if k not in varying} for line in direct] == [
        {k: v for k, v in line.items() if k not in varying} for line in formatted
    ]
    assert all(datetime.fromisoformat(line["time"]).utcoffset() is not None for line in direct)
    # Four records the second time, each through the one filter on the handler, none twice.
    access_passes = [record for name, record in passes if name == ACCESS]
    assert len(access_passes) == len(set(access_passes)) == len(host_filter.records) == 4


def test_a_host_handler_without_the_filter_still_gets_the_request_id(
    sqlite_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    # caplog's handler is the host's: no RequestIdLogFilter on it, none on the access logger.
    caplog.set_level(logging.INFO, logger=ACCESS)
    with TestClient(create_app(sqlite_engine, access_log=True)) as client:
        client.get("/health", headers={"X-Request-ID": "lb-9"})
    (record,) = [r for r in caplog.records if r.name == ACCESS]
    assert (record.request_id, record.getMessage(), record.levelno) == ("lb-9", "GET /health 200", logging.INFO)  # type: ignore[attr-defined]
    # Where the record says it was made is the telemetry module, as Logger.info would find it.
    assert (record.module, record.funcName) == ("telemetry", "_log_access")


def _counting(calls: list[tuple[str, ...]], labels: Callable[..., Any]) -> Callable[..., Any]:
    def counted(*values: str) -> Any:
        calls.append(values)
        return labels(*values)

    return counted


def test_metric_children_are_looked_up_once_per_label_set() -> None:
    registry = CollectorRegistry()
    metrics = HttpMetrics(registry)
    counter_lookups: list[tuple[str, ...]] = []
    histogram_lookups: list[tuple[str, ...]] = []
    metrics.requests.labels = _counting(counter_lookups, metrics.requests.labels)  # type: ignore[method-assign]
    metrics.latency.labels = _counting(histogram_lookups, metrics.latency.labels)  # type: ignore[method-assign]
    answered = [("GET", "/a", 200)] * 5 + [("GET", "/a", 404)] * 3 + [("POST", "/b", 201)] * 2
    for method, route, status in answered:
        metrics.observe(method, route, status, 0.002)

    assert counter_lookups == [("GET", "/a", "200"), ("GET", "/a", "404"), ("POST", "/b", "201")]
    assert histogram_lookups == [("GET", "/a"), ("GET", "/a"), ("POST", "/b")]
    # And the figures in the registry are every observation's, not the first one's.
    total = "voucher_engine_http_requests_total"
    assert registry.get_sample_value(total, {"method": "GET", "route": "/a", "status": "200"}) == 5
    assert registry.get_sample_value(total, {"method": "GET", "route": "/a", "status": "404"}) == 3
    assert registry.get_sample_value(total, {"method": "POST", "route": "/b", "status": "201"}) == 2
    count = "voucher_engine_http_request_duration_seconds_count"
    assert registry.get_sample_value(count, {"method": "GET", "route": "/a"}) == 8
    assert registry.get_sample_value(count, {"method": "POST", "route": "/b"}) == 2


def test_an_app_looks_each_series_up_once_whatever_the_traffic(sqlite_engine: Engine) -> None:
    app = create_app(sqlite_engine)
    metrics: HttpMetrics = app.state[TELEMETRY_KEY].http_metrics
    lookups: list[tuple[str, ...]] = []
    metrics.requests.labels = _counting(lookups, metrics.requests.labels)  # type: ignore[method-assign]
    with TestClient(app) as client:
        for _ in range(20):
            assert client.get("/health").status_code == 200
    assert lookups == [("GET", "/health", "200")]
    assert metrics.requests.labels("GET", "/health", "200")._value.get() == 20


def test_the_json_time_is_isoformat_to_the_millisecond() -> None:
    draw = random.Random(14)
    # Whole seconds, the last microsecond before one, half-microsecond ties, and random times.
    stamps = [1_700_000_000.0, 1_700_000_000.9999995, 1_700_000_000.0005, 1_699_999_999.999, 0.0, -1.5, -0.0004]
    stamps += [draw.uniform(-100_000, 4_000_000_000) for _ in range(20_000)]
    stamps += [1_800_000_000 + n / 7 for n in range(2_000)]  # many lines within each second
    clock = _UtcSeconds()
    expected = [datetime.fromtimestamp(s, UTC).isoformat(timespec="milliseconds") for s in stamps]
    assert [clock(s) for s in stamps] == expected


def test_a_json_line_keeps_every_field_and_its_type() -> None:
    record = logging.LogRecord(ACCESS, logging.INFO, __file__, 1, "%s %s %d", ("GET", "/größe", 200), None)
    record.__dict__.update(
        status=200, duration_ms=0.125, client=None, route="/größe", request_id="r-1", opaque=object.__new__(_Opaque)
    )
    line = JsonFormatter().format(record)
    assert "/größe" in line  # UTF-8 as is, not \\u escapes
    assert json.loads(line) == {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": "INFO",
        "logger": ACCESS,
        "message": "GET /größe 200",
        "request_id": "r-1",
        "status": 200,
        "duration_ms": 0.125,
        "client": None,
        "route": "/größe",
        "opaque": "opaque!",
    }


class _Opaque:
    """A value JSON has no type for: written as its str()."""

    def __str__(self) -> str:
        return "opaque!"
