"""``voucher-engine serve``'s app in a real uvicorn process: JSON access lines on stderr, each
with the request id the client sent, and /metrics on a real port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ops_support import by_label

STARTUP_DEADLINE_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, request_id: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"X-Request-ID": request_id})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_served_app_writes_json_access_lines(sqlite_url: str, tmp_path: Path) -> None:
    # The served app migrates the empty database itself.
    url = sqlite_url
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "voucher_engine_litestar:create_app_from_env",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            env={**os.environ, "VOUCHER_ENGINE_URL": url}, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + STARTUP_DEADLINE_S
            while True:
                try:
                    if _get(f"{base}/health", "startup-probe")[0] == 200:
                        break
                except (urllib.error.URLError, ConnectionError):
                    pass  # not listening yet
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not come up:\n{log_path.read_text()}")
                time.sleep(0.05)  # a polling interval, not a wait for time to pass
            assert _get(f"{base}/stats?tenant=nobody", "e2e-stats")[0] == 404
            status, scrape = _get(f"{base}/metrics", "e2e-metrics")
        finally:
            process.terminate()
            process.wait(timeout=15)
    assert status == 200
    assert by_label(scrape, "voucher_engine_http_requests_total", "route", "status")[("/stats", "404")] == 1.0
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [(line["request_id"], line["route"], line["status"]) for line in lines
              if line["logger"] == "voucher_engine_litestar.access"]
    assert access[-2:] == [("e2e-stats", "/stats", 404), ("e2e-metrics", "/metrics", 200)]
    assert {rid for rid, _, _ in access[:-2]} == {"startup-probe"}
