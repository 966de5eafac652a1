"""The model's capabilities through a real server process (uvicorn on a free loopback port),
as a partner's client meets them: bytes on a socket, not an in-process ASGI call."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import model_provider
import pytest
from standardwebhooks import Webhook

from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks
from test_provider_model import LOOPBACK, Receiver, open_engine

HERE = Path(__file__).resolve().parent
STARTUP_DEADLINE_S = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None):  # noqa: ANN201
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path):  # noqa: ANN201
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "model_provider:create_app_from_env",
         "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "VOUCHER_ENGINE_URL": sqlite_url,
             "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])},
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited:\n{(tmp_path / 'server.log').read_text()}")
            try:
                if call("GET", f"{base}/health")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("the server did not start")
            time.sleep(0.05)  # a polling interval, not a wait for time to pass
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


BEARER = {"Authorization": f"Bearer {model_provider.BEARER}"}


def test_every_capability_over_a_socket(server: str) -> None:
    # per-field errors, in alpha's shape
    status, _, body = call("POST", f"{server}/v1/orders", json.dumps({"amount": "1.5", "reference": "r"}).encode(),
                           {**BEARER, "Content-Type": "application/json"})
    assert (status, json.loads(body)["errors"][0]["property"]) == (422, "amount")
    # 204 with no body
    status, headers, body = call("DELETE", f"{server}/v1/orders/o-1", headers=BEARER)
    assert (status, body) == (204, b"")
    # any-of auth: the form's credentials
    form = b"grant_type=client_credentials&client_id=shop-1&client_secret=s3cret-s3cret"
    status, _, body = call("POST", f"{server}/v1/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert (status, json.loads(body)["token_type"]) == (200, "Bearer")
    basic = base64.b64encode(b"shop-1:wrong").decode()
    status, headers, body = call("POST", f"{server}/v1/token", b"grant_type=client_credentials",
                                 {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
    assert (status, json.loads(body)["error"]) == (401, "invalid_client")
    # multipart
    boundary = uuid.uuid4().hex
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\n"
                 f"Content-Type: text/csv\r\n\r\nA\nB\n\r\n--{boundary}--\r\n").encode()
    status, _, body = call("POST", f"{server}/v1/imports", multipart,
                           {**BEARER, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert (status, json.loads(body)["lines"]) == (200, 2)
    # a per-operation rate limit, in the provider's shape
    answers = [call("GET", f"{server}/v1/staff", headers=BEARER)[0] for _ in range(3)]
    assert answers == [200, 200, 429]
    # two providers under /v1, each answering in its own shape
    status, _, body = call("POST", f"{server}/v1/status", b'{"code": "x"}', {"Content-Type": "application/json"})
    assert (status, json.loads(body)) == (422, {"errors": {"code": ["Expected `str` of length >= 3"]}})
    status, _, body = call("GET", f"{server}/v1/nowhere")
    assert (status, json.loads(body)["errors"][0]["code"]) == (404, "not_found")
    # OpenAPI per provider
    status, _, body = call("GET", f"{server}/providers/alpha/openapi.json")
    assert "/v1/token" in json.loads(body)["paths"]


def test_a_collision_stops_the_server_at_start_up(sqlite_url: str, tmp_path: Path) -> None:
    factory = tmp_path / "colliding.py"
    factory.write_text(
        "import model_provider\n"
        "model_provider.MOUNTS = {**model_provider.MOUNTS, 'gamma': '/v1'}\n"
        "create_app_from_env = model_provider.create_app_from_env\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "--factory", "colliding:create_app_from_env",
         "--host", "127.0.0.1", "--port", str(_free_port())],
        env={**os.environ, "VOUCHER_ENGINE_URL": sqlite_url,
             "PYTHONPATH": os.pathsep.join([str(HERE), str(tmp_path), os.environ.get("PYTHONPATH", "")])},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "POST /v1/token: operations alpha.token and gamma.token collide" in result.stdout + result.stderr


def test_the_servers_worker_sends_a_provider_shaped_webhook(server: str, sqlite_url: str) -> None:
    engine = open_engine(sqlite_url)  # the host's side: registers the endpoint, issues a card
    try:
        with Receiver() as receiver:
            engine.create_tenant("acme")
            endpoint = Webhooks(engine, LOOPBACK).create_endpoint("acme", receiver.url, provider="alpha")
            engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("20.00", "EUR")), code="CARD-7")
            deadline = time.monotonic() + 30
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.05)  # polling for the server's worker, not waiting for time to pass
            assert receiver.received, "the server's worker delivered nothing"
            [received] = receiver.received
            event = Webhook(endpoint.secret).verify(received.body, received.headers)
        assert (event["type"], event["data"]) == ("card.created", {"cardCode": "CARD-7", "balance": "20.00"})
        assert received.headers["webhook-id"] == event["id"]
    finally:
        engine.close()
