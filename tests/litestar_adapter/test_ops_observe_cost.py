"""What observing a request costs, counted exactly: the access record passes the request-id
filter once, metric children are looked up once per label set, the JSON time is built once
per second yet reads exactly as ``datetime.isoformat`` would."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import FrameType

import prometheus_client
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from litestar.types import Message
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    enable_created_metrics,
    generate_latest,
)
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

from voucher_engine import Engine
from voucher_engine_litestar import create_app
from voucher_engine_litestar.http_metrics import LATENCY, LATENCY_HELP, REQUESTS, REQUESTS_HELP, HttpMetrics
from voucher_engine_litestar.logs import (
    ADAPTER_LOGGER,
    JsonFormatter,
    _UtcSeconds,
    configure_json_logging,
    direct_access_handler,
)
from voucher_engine_litestar.metrics import STATE_KEY as METRICS_KEY
from voucher_engine_litestar.request_id import RequestIdLogFilter
from voucher_engine_litestar.telemetry import milliseconds

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


def _observations() -> list[tuple[str, str, int, float]]:
    """Requests over several series, on every bucket, on each bucket's bound exactly, with
    sums whose floating-point rounding depends on the order of the additions."""
    draw = random.Random(7)
    routes = [("GET", "/health", 200), ("GET", "/giftcard/cards/{code:str}", 404), ("POST", "/größe", 201)]
    routes += [("GET", "unmatched", 404), ("GET", "/health", 503), ("DELETE", "/a", 204)]
    seen = []
    for bound in [*Histogram.DEFAULT_BUCKETS[:-1], 0.0, 11.0, 1e-9]:
        seen.append((*draw.choice(routes), bound))
    seen += [(*draw.choice(routes), draw.expovariate(40)) for _ in range(2_000)]
    return seen


def _expositions(observations: list[tuple[str, str, int, float]], monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The text and OpenMetrics expositions of ``HttpMetrics`` and of prometheus_client's own
    Counter and Histogram (as the adapter used them before) fed the same requests, each
    with a clock that tells every ``_created`` apart."""
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    metrics = HttpMetrics(ours)
    requests = Counter(REQUESTS, REQUESTS_HELP, ["method", "route", "status"], registry=theirs)
    latency = Histogram(LATENCY, LATENCY_HELP, ["method", "route"], registry=theirs)
    ticks = iter(range(1_700_000_000, 1_800_000_000))
    monkeypatch.setattr(time, "time", lambda: float(next(ticks)))
    for method, route, status, seconds in observations:
        metrics.observe(method, route, status, seconds)
    ticks = iter(range(1_700_000_000, 1_800_000_000))
    for method, route, status, seconds in observations:
        requests.labels(method, route, str(status)).inc()
        latency.labels(method, route).observe(seconds)
    monkeypatch.undo()
    return [expose(registry) for registry in (ours, theirs) for expose in (generate_latest, generate_openmetrics)]


@pytest.mark.parametrize("created", [True, False], ids=["with _created", "without _created"])
def test_http_metrics_expose_what_counter_and_histogram_would(created: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not created:
        disable_created_metrics()
    try:
        ours, ours_open, theirs, theirs_open = _expositions(_observations(), monkeypatch)
    finally:
        enable_created_metrics()
    assert ours == theirs
    assert ours_open == theirs_open
    assert (b"_created{" in ours) is created
    assert ours.count(b"voucher_engine_http_requests_total{") == 6  # the figures are there at all


def test_the_registry_refuses_a_second_set_of_http_metrics_as_for_a_counter() -> None:
    registry = CollectorRegistry()
    HttpMetrics(registry)
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        Counter(REQUESTS, "again", ["method"], registry=registry)


def _get_profiled(app: Litestar, path: str, paths: tuple[str, ...]) -> list[str]:
    """One ``GET`` through the ASGI app: every Python function it called (in this thread, the
    event loop's) that is defined under ``paths``."""
    called: list[str] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(paths):
            called.append(frame.f_code.co_name)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": [],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
    }  # fmt: skip

    async def request() -> None:
        sys.setprofile(profile)  # the request alone, not the event loop's start and end
        try:
            await app(scope, receive, send)  # type: ignore[arg-type]
        finally:
            sys.setprofile(None)

    asyncio.run(request())
    return called


def test_observing_a_request_calls_into_neither_prometheus_client_nor_logging(
    sqlite_engine: Engine, json_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As under ``voucher-engine serve``: the JSON handler alone (pytest adds its capture handlers).
    adapter_logger = logging.getLogger(ADAPTER_LOGGER)
    ours = [h for h in adapter_logger.handlers if type(h.formatter) is JsonFormatter]
    monkeypatch.setattr(adapter_logger, "handlers", ours)
    app = create_app(sqlite_engine, access_log=True)
    watched = (os.path.dirname(prometheus_client.__file__), logging.__file__)
    _get_profiled(app, "/health", watched)  # the series exists: what follows is every later request
    calls = _get_profiled(app, "/health", watched)
    # No Counter or Histogram method, no LogRecord, no handler or formatter method: the metrics
    # are plain additions and the line one write; logging is asked only whether INFO is on.
    assert calls == ["isEnabledFor"]
    assert json_lines.getvalue().count('"route":"/health"') == 2
    total = {"method": "GET", "route": "/health", "status": "200"}
    assert app.state[METRICS_KEY].get_sample_value(f"{REQUESTS}_total", total) == 2.0


def test_a_directly_written_line_is_the_formatters_whatever_its_fields() -> None:
    # Routes and clients JSON must escape, no client, durations of every size, and more
    # (method, route, status) triples than the handler keeps the fixed parts of.
    cases = [("GET", '/größe/"{q}"\\', 200, 0.0, None, "a.b_c-1"), ("PATCH", "/\u2028\t", 418, 1234.5, "::1", "x")]
    cases += [(f"M{n}", f"/r/{n}", 200 + n % 300, n / 1000, f"10.0.{n % 256}.1", f"id-{n}") for n in range(1_100)]
    stream = io.StringIO()
    handler = configure_json_logging(stream=stream)
    logging.getLogger(ADAPTER_LOGGER).removeHandler(handler)
    formatter = JsonFormatter()
    for method, route, status, duration_ms, client, request_id in cases * 2:
        handler.write_access(method, route, status, duration_ms, client, request_id)  # type: ignore[attr-defined]
        record = logging.LogRecord(ACCESS, logging.INFO, __file__, 1, "%s %s %d", (method, route, status), None)
        record.__dict__.update(
            method=method, route=route, status=status, duration_ms=duration_ms, client=client, request_id=request_id
        )
        written = stream.getvalue().split("\n")[-2]  # a line ends at \n only (not at \u2028)
        assert _without_time(written) == _without_time(formatter.format(record))
    assert stream.getvalue().count("\n") == 2 * len(cases)
    # Clients choose methods: the fixed parts kept per triple are bounded.
    assert 0 < len(handler._access_parts) <= 1024  # type: ignore[attr-defined]


def _without_time(line: str) -> str:
    assert line.startswith('{"time":"')
    return line[line.index('","level"') :]


def test_milliseconds_are_the_duration_rounded_to_three_places() -> None:
    draw = random.Random(3)
    spans = [0, 1, 499, 501, 999_999, 1_000_499, 10**12 + 7] + [draw.randrange(10**13) for _ in range(50_000)]
    # round() breaks exact ties (a whole half microsecond) to even, the integers up: both are right.
    spans = [ns for ns in spans if ns % 1000 != 500]
    assert [milliseconds(ns) for ns in spans] == [round(ns / 1e6, 3) for ns in spans]
    assert [repr(milliseconds(ns)) for ns in spans] == [repr(round(ns / 1e6, 3)) for ns in spans]


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
