"""``voucher-engine serve``'s app in a real uvicorn process (the test kit's ``ve_server``,
running ``create_app_from_env``): JSON access lines on stderr, each with the request id the
client sent, and /metrics on a real port."""

from __future__ import annotations

import json

from litestar_support import by_label

from opsauth import METRICS, METRICS_TOKEN
from voucher_engine.testing import PRODUCTION_APP, STARTUP_PROBE_ID


def test_a_served_app_writes_json_access_lines(sqlite_url: str, ve_server) -> None:
    # The served app migrates the empty database itself.
    server = ve_server(
        sqlite_url,
        app=PRODUCTION_APP,
        plugins=None,
        clock=None,
        worker=True,
        log_level="info",
        env={"VOUCHER_ENGINE_SERVER_METRICS_TOKEN": METRICS_TOKEN},
    )
    # Without a token /stats says nothing, not even whether the tenant exists.
    assert server.request("GET", "/stats?tenant=nobody", headers={"X-Request-ID": "e2e-stats"}).status == 401
    scrape = server.request("GET", "/metrics", headers={"X-Request-ID": "e2e-metrics", **METRICS})
    server.stop()
    assert scrape.status == 200
    assert (
        by_label(scrape.body.decode(), "voucher_engine_http_requests_total", "route", "status")[("/stats", "401")]
        == 1.0
    )
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    access = [
        (line["request_id"], line["route"], line["status"])
        for line in lines
        if line["logger"] == "voucher_engine_litestar.access"
    ]
    assert access[-2:] == [("e2e-stats", "/stats", 401), ("e2e-metrics", "/metrics", 200)]
    assert {rid for rid, _, _ in access[:-2]} == {STARTUP_PROBE_ID}
