"""``voucher-engine demo``: load into a fresh data directory, and serve it for real."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cli_helpers import cli, ok, open_engine, row_counts

from opsauth import bearer_headers


def test_demo_without_serving_loads_the_demo_and_says_what_to_call(tmp_path: Path) -> None:
    out = ok(cli("demo", "--no-serve", "--data-dir", "data", "--port", "8123", cwd=tmp_path)).stdout
    database = tmp_path / "data" / "voucher-engine.sqlite3"
    url = f"sqlite:///{database}"
    assert database.is_file()
    for line in (
        f"demo database: {url}",
        "curl http://127.0.0.1:8123/health",
        "curl http://127.0.0.1:8123/ready",
        'curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8123/stats',
        f"voucher-engine stats --url {url}",
        "betathome: 1000 of 1000 codes left",
    ):
        assert line in out
    assert re.search(r"DEMO-100-EUR\s+monetary, balance 100.00 EUR \(available\)", out)
    assert re.search(r"DEMO-MULTI-5\s+multi_use, 5 use\(s\) left", out)
    assert re.search(r"DEMO-SINGLE-1\s+single_use, 1 use\(s\) left \(available, PIN 1234\)", out)
    with open_engine(url) as engine:
        campaign = engine.get_campaign("demo", "CAMP-BETATHOME-001")
        assert (campaign.trigger_categories, campaign.distributors, campaign.pool_id) == (
            {"PAY"},
            {"DIST-001"},
            "betathome",
        )
        issued = engine.issue_for_trigger("demo", category="PAY", distributor="DIST-001")
        assert re.fullmatch(r"BET-[A-Z2-9]{3}-\d{6}", issued.code)

    counts = row_counts(url)
    again = ok(cli("demo", "--no-serve", "--data-dir", "data", cwd=tmp_path)).stdout
    assert "vouchers:   0 created, 0 updated, 3 already present" in again
    assert "betathome: 999 of 1000 codes left" in again
    assert row_counts(url) == counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
        return response.status, json.loads(response.read())


def test_demo_serves_health_and_stats(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "voucher_engine.cli", "demo", "--data-dir", str(tmp_path / "data"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, body = get(f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, f"the demo exited:\n{server.stdout.read()}"
                assert time.monotonic() < deadline, "the demo did not answer /health in 90 s"
                time.sleep(0.2)  # polling for a real server to come up, not waiting for time to pass
        assert (status, body) == (200, {"status": "ok"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(f"{base}/stats")  # no token: nothing about the demo's tenant
        assert refused.value.code == 401
        with open_engine(f"sqlite:///{tmp_path / 'data' / 'voucher-engine.sqlite3'}") as engine:
            token = bearer_headers(engine, "demo", "admin:read")
        status, stats = get(f"{base}/stats", token)
        assert status == 200
        assert {"tenant": "demo", "pool": "betathome", "size": 1000, "issued": 0, "remaining": 1000} in stats["pools"]
        status, ready = get(f"{base}/ready")
        assert (status, ready["status"]) == (200, "ready")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "curl " + base + "/health" in output
