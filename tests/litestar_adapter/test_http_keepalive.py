"""Servers run on uvloop + httptools, and a keep-alive client gets no delayed-ACK stall.

A server that writes a response in two pieces (headers, then body) with Nagle's algorithm on
holds the second piece until the client ACKs the first, and the client delays that ACK by
40 ms: every request after the first on a kept-alive connection takes 40 ms more. On a fresh
connection the kernel ACKs at once (quick-ack), so the stall shows only with keep-alive.

Counted, not timed against a fixed limit: requests alternate between one kept-alive
connection and a new connection per request, and a keep-alive request counts as stalled when
it took 30 ms more than the fresh-connection request next to it. Load on a shared machine slows
both sides of a pair alike; a stall adds its 40 ms to every keep-alive request. The counter was
checked against a socket server with Nagle on writing headers and body apart: 40 of 40 pairs
stalled (ours: none). A server that fell back to asyncio + h11 (``uvicorn`` without its
``standard`` extra) fails the library checks: which event loop and parser a process runs is
read from the shared objects it has mapped.

``voucher-engine serve`` also leaves uvicorn's own access log off: the app writes one JSON line
per request, and uvicorn's would be a second (checked: with it on, the test sees its line).
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from voucher_engine.testing import Server
from voucher_engine.testing.databases import fresh_database_url
from voucher_engine.testing.server import free_port, send, start_server

PAIRS = 40
STALL_S = 0.030  # a delayed ACK costs 40 ms; scheduling noise on one request rarely does
TOLERATED = PAIRS // 4


def loaded_libraries(pid: int) -> str:
    """The shared objects mapped into a process: what it imported, C extensions included."""
    return Path(f"/proc/{pid}/maps").read_text()


def stalled_keepalive_requests(port: int, path: str = "/health") -> int:
    kept = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    assert send(kept, "GET", path).status == 200  # opened; the first request never stalls
    stalled = 0
    try:
        for _ in range(PAIRS):
            started = time.perf_counter()
            assert send(kept, "GET", path).status == 200
            keepalive_s = time.perf_counter() - started

            fresh = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            started = time.perf_counter()
            assert send(fresh, "GET", path).status == 200
            fresh_s = time.perf_counter() - started
            fresh.close()
            stalled += keepalive_s > fresh_s + STALL_S
    finally:
        kept.close()
    return stalled


@pytest.fixture(scope="module")
def kit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("keepalive")
    for url in fresh_database_url("sqlite", workdir, migrated=True):
        server = start_server(url, workdir=workdir)
        try:
            yield server
        finally:
            server.stop()


def test_the_kits_server_runs_uvloop_and_httptools(kit_server: Server) -> None:
    libraries = loaded_libraries(kit_server.process.pid)
    assert "/uvloop/" in libraries
    assert "/httptools/" in libraries


def test_a_keepalive_client_gets_no_delayed_ack_stall(kit_server: Server) -> None:
    assert stalled_keepalive_requests(kit_server.port) <= TOLERATED


def test_voucher_engine_serve_runs_uvloop_and_httptools_and_logs_each_request_once(tmp_path: Path) -> None:
    log_path = tmp_path / "serve.log"
    for url in fresh_database_url("sqlite", tmp_path, migrated=True):
        port = free_port()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "voucher_engine.cli", "serve", "--url", url, "--port", str(port), "--no-worker"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_for_health(process, port)
                libraries = loaded_libraries(process.pid)
                assert "/uvloop/" in libraries
                assert "/httptools/" in libraries
                assert stalled_keepalive_requests(port) <= TOLERATED
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                assert send(conn, "GET", "/health", headers={"X-Request-ID": "once-only"}).status == 200
                conn.close()
            finally:
                process.terminate()
                process.wait(timeout=20)
    lines = log_path.read_text().splitlines()
    # The app's JSON access line, and no second line from uvicorn's own access log.
    assert len([line for line in lines if '"once-only"' in line and '"voucher_engine_litestar.access"' in line]) == 1
    assert [line for line in lines if "GET /health HTTP/1.1" in line] == []


def _wait_for_health(process: subprocess.Popen[bytes], port: int, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                if send(conn, "GET", "/health").status == 200:
                    return
            finally:
                conn.close()
        except OSError:
            pass  # not listening yet
        time.sleep(0.05)  # a polling interval while a process starts, not a wait for time to pass
    raise AssertionError(f"voucher-engine serve did not answer /health within {deadline_s} s")
