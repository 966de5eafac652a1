"""Real server processes on loopback ports, and wrk against them.

Servers: the engine's own (``voucher_engine_litestar:create_app_from_env``, the app
``voucher-engine serve`` runs, promo provider mounted at "/") and the bare app
(``bare_app.py``), each one uvicorn process with one worker.

Load: ``wrk --latency`` with one thread and a fixed number of connections for a bounded
duration. "Maximum load" is wrk's closed loop (each connection sends its next request as soon
as the answer arrives). "Half load" paces every connection with wrk's Lua ``delay()`` hook so
that the offered rate is half the maximum measured just before; its p50/p99 show what a client
sees when the server is busy but not saturated.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
STARTUP_DEADLINE_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One uvicorn process; stopped (terminate, then kill) by ``stop``."""

    def __init__(self, factory: str, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self._log = log_path.open("wb")
        self.log_path = log_path
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                factory,
                "--app-dir",
                str(BENCH_DIR),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--no-access-log",
                "--log-level",
                "warning",
                "--loop",
                "uvloop",
                "--http",
                "httptools",
            ],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    def wait_until_serving(self, path: str) -> None:
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.log_path.read_text()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.05)  # a polling interval while the process starts
        raise RuntimeError(f"no answer on port {self.port} within {STARTUP_DEADLINE_S} s")

    def post(self, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST ``body``, or GET when there is none."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET" if body is None else "POST", path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@dataclass(frozen=True, slots=True)
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx answers plus socket errors: must be 0 for a valid run

    def as_dict(self) -> dict:
        return asdict(self)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def lua_script(path: Path, body: bytes | None, headers: dict[str, str], delay_ms: float | None) -> Path:
    """A wrk script: POST ``body``, or GET when there is none."""
    lines = (
        ['wrk.method = "GET"'] if body is None else ['wrk.method = "POST"', f"wrk.body = {_lua_string(body.decode())}"]
    )
    lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()]
    if delay_ms is not None:
        lines.append(f"function delay() return {max(int(delay_ms), 0)} end")
    path.write_text("\n".join(lines) + "\n")
    return path


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(url: str, script: Path, *, connections: int, duration_s: int) -> Load:
    out = subprocess.run(
        ["wrk", "--latency", "-t1", f"-c{connections}", f"-d{duration_s}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration_s + 60,
    ).stdout
    return parse_wrk(out)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(out: str) -> Load:
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)\s*$", out, re.MULTILINE))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return Load(rate, _ms(percentiles["50"]), _ms(percentiles["99"]), requests, errors)
