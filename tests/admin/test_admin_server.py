"""The admin API through a real server process: uvicorn runs ``create_app_from_env`` on a free
loopback port; the test bootstraps a client, gets a token over the wire and uses it."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from admin_support import configure_cheaply

import voucher_engine_admin
from voucher_engine import Engine, EngineConfig

STARTUP_DEADLINE_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(method: str, url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None):  # noqa: ANN202
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def _wait_until_healthy(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited early: {server.stderr.read().decode()[-2000:]}")
        try:
            if _call("GET", f"{base}/health")[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)  # polling interval while the process starts, not a wait for time to pass
    raise AssertionError(f"no /health answer within {STARTUP_DEADLINE_S} s")


def test_a_token_from_a_real_server_opens_the_admin_api(database_url):
    with Engine.open(database_url, config=EngineConfig(auto_migrate=True)) as engine:
        engine.create_tenant("acme")
        configure_cheaply(engine)  # the hash carries its parameters: the server verifies it cheaply too
        client_id, secret = voucher_engine_admin.bootstrap(engine, "acme")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "voucher_engine_litestar:create_app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, "VOUCHER_ENGINE_URL": database_url},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        _wait_until_healthy(base, server)
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "admin"}).encode()
        status, headers, token = _call("POST", f"{base}/admin/oauth/token", data=form, headers={
            "Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200 and token["token_type"] == "Bearer" and token["scope"] == "admin"
        assert headers["cache-control"] == "no-store"
        auth = {"Authorization": f"Bearer {token['access_token']}", "Content-Type": "application/json"}
        status, _, pool = _call("POST", f"{base}/admin/pools", data=json.dumps({"id": "wire"}).encode(), headers=auth)
        assert status == 201 and pool["id"] == "wire"
        status, _, tenant = _call("GET", f"{base}/admin/tenant", headers=auth)
        assert status == 200 and tenant == {"id": "acme", "client_id": client_id, "scopes": ["admin"]}
        assert _call("GET", f"{base}/admin/tenant")[0] == 401
    finally:
        server.terminate()
        server.wait(timeout=15)
        server.stderr.close()
    with Engine.open(database_url) as engine:
        assert [p.pool_id for p in engine.list_pools("acme")] == ["wire"]
