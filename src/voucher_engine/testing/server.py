"""A real server process on a free loopback port: uvicorn running the kit's app factory
(``voucher_engine.testing.served``), or any other factory a test names (the production one,
``voucher_engine_litestar:create_app_from_env``, to test the app as deployed)."""

from __future__ import annotations

import http.client
import importlib
import json
import os
import site
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from voucher_engine.testing.clock import CLOCK_FILE_VARIABLE, SharedClock

KIT_APP = "voucher_engine.testing.served:create_app"
PRODUCTION_APP = "voucher_engine_litestar:create_app_from_env"
STARTUP_DEADLINE_S = 60.0
#: The ``X-Request-ID`` of the kit's readiness probes, to tell them apart in a server's logs.
STARTUP_PROBE_ID = "ve-startup-probe"
EXIT_DEADLINE_S = 20.0
#: The event loop and HTTP parser of the servers the kit starts: those of ``voucher-engine serve``.
SERVER_LOOP, SERVER_HTTP = "uvloop", "httptools"

#: A mount: one prefix or several, per provider name.
Mounts = Mapping[str, str | Sequence[str]]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """One request on an open (keep-alive) connection."""
    conn.request(method, path, body=body, headers=dict(headers or {}))
    response = conn.getresponse()
    return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())


class Server:
    """A started server: ``url`` (``http://127.0.0.1:PORT``), ``request(...)``, ``log()``,
    ``stop()`` (also done when the test ends)."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int, log_path: Path, cwd: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30,
    ) -> Response:
        """One request on a new connection; ``json_body`` is encoded (with its Content-Type),
        ``data`` is sent as it is."""
        sent = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            sent = {"Content-Type": "application/json", **sent}
        conn = self.connection(timeout)
        try:
            return send(conn, method, path, data, sent)
        finally:
            conn.close()

    def wait_until_ready(self, path: str, deadline_s: float) -> None:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if self.request("GET", path, headers={"X-Request-ID": STARTUP_PROBE_ID}, timeout=5).status == 200:
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.05)  # a polling interval while a process starts, not a wait for time to pass
        self.stop()
        raise AssertionError(f"no 200 from {path} within {deadline_s} s:\n{self.log()}")

    def stop(self) -> int | None:
        """SIGTERM, then wait for a graceful exit; its status (uvicorn re-raises SIGTERM, so
        ``-signal.SIGTERM``), or None if it had to be killed."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=EXIT_DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                self._log.close()
                return None
        self._log.close()
        return self.process.returncode


def _module_and_path(plugin: str | ModuleType) -> tuple[str, str | None]:
    """A plugin's importable name, and the folder to put on the server's path when the module
    was loaded from a file outside any installed package (a docs example, a test helper)."""
    module = importlib.import_module(plugin) if isinstance(plugin, str) else plugin
    top = module.__name__.partition(".")[0]
    origin = getattr(sys.modules.get(top), "__file__", None)
    if origin is None:
        return module.__name__, None
    root = Path(origin).parent
    folder = root.parent if Path(origin).name == "__init__.py" else root
    if str(folder) in site.getsitepackages():
        return module.__name__, None  # installed: the server finds it on its own
    return module.__name__, str(folder)


def start_server(
    database_url: str,
    *,
    plugins: Sequence[str | ModuleType] | None = None,
    mounts: Mounts | None = None,
    clock: SharedClock | None = None,
    worker: bool = False,
    webhook_networks: Sequence[str] = (),
    workers: int = 1,
    app: str = KIT_APP,
    access_log: bool = False,
    log_level: str = "warning",
    env: Mapping[str, str] | None = None,
    workdir: Path,
    ready_path: str = "/health",
    startup_deadline_s: float = STARTUP_DEADLINE_S,
) -> Server:
    """Start uvicorn with ``app`` on a free loopback port and wait until ``ready_path`` answers
    200. ``plugins`` (modules or module names) are the only plugins the server loads (None:
    the installed entry points); ``mounts`` moves providers (``{"promo": "/"}``); with
    ``clock`` the server's engine reads the test's ``SharedClock``; ``worker`` delivers
    webhooks and runs jobs in the server. ``plugins``, ``clock`` and ``access_log`` are
    honoured by the kit's app only; the URL, mounts and worker settings by both."""
    port = free_port()
    child_env = {**os.environ, **(env or {})}
    child_env["VOUCHER_ENGINE_URL"] = database_url
    child_env["VOUCHER_ENGINE_MOUNTS"] = ",".join(
        f"{name}={prefix}"
        for name, prefixes in (mounts or {}).items()
        for prefix in ([prefixes] if isinstance(prefixes, str) else prefixes)
    )
    child_env["VOUCHER_ENGINE_WORKER"] = "1" if worker else "0"
    child_env["VOUCHER_ENGINE_WEBHOOK_NETWORKS"] = ",".join(webhook_networks)
    child_env["VOUCHER_ENGINE_TESTING_ACCESS_LOG"] = "1" if access_log else "0"
    child_env.pop(CLOCK_FILE_VARIABLE, None)
    child_env.pop("VOUCHER_ENGINE_TESTING_PLUGINS", None)
    if clock is not None:
        child_env[CLOCK_FILE_VARIABLE] = str(clock.path)
    if plugins is not None:
        found = [_module_and_path(plugin) for plugin in plugins]
        child_env["VOUCHER_ENGINE_TESTING_PLUGINS"] = ",".join(name for name, _ in found)
        extra_paths = [path for _, path in found if path]
        if extra_paths:
            child_env["PYTHONPATH"] = os.pathsep.join(
                [*dict.fromkeys(extra_paths), *filter(None, [child_env.get("PYTHONPATH")])]
            )
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        log_level,
        "--no-access-log",
        # As ``voucher-engine serve`` runs (tests/litestar_adapter/test_http_keepalive.py checks both).
        "--loop",
        SERVER_LOOP,
        "--http",
        SERVER_HTTP,
    ]
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"server-{port}.log"
    server = Server(argv, child_env, port, log_path, workdir)
    server.wait_until_ready(ready_path, startup_deadline_s)
    return server
