"""Helpers for the JTL provider's tests: the seed's request, a tenant with a JTL client and
vouchers set up as an operator would, a snapshot of everything a request could write, and a
real uvicorn process serving the provider at "/".

A plain module with a unique name (not conftest.py), imported by that name.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

import voucher_engine_jtl
from voucher_engine import Engine, EngineConfig, ManualClock, Money, VoucherKind, VoucherSpec, replay
from voucher_engine.identity import Argon2Params, Identity, IdentityConfig
from voucher_engine.plugins import PluginSettings

TENANT = "shop"
OTHER_TENANT = "elsewhere"
TOKEN_PATH = "/oauth/token"
RESERVATIONS = "/v1/reservations"
EVERY_SCOPE = ("read", "read-lists", "read-secrets", "use", "manage", "update", "recharge")
NOW = datetime(2017, 7, 21, 17, 32, 28, tzinfo=UTC)

#: The seed's cURL ``--data`` argument, byte for byte (it opens and closes with a newline).
SEED_BODY = b'\n{\n  "amount": "10.53",\n  "currency": "EUR",\n  "code": "test",\n  "pin": "test"\n}\n'
#: The seed's response fields and their JSON types (``voucher_tax_rate``: a string, or null).
SEED_FIELDS = {
    "id": str, "voucher_id": str, "voucher_taxable": bool, "voucher_tax_rate": (str, type(None)),
    "client_id": str, "amount": str, "valid_until": str, "created_at": str, "updated_at": str,
}
RFC3339_UTC = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$"

#: Cheap hashing for client secrets in tests; the hash's cost is not what is tested here.
FAST_IDENTITY = IdentityConfig(argon2=Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1))


def open_jtl_engine(url: str, clock: ManualClock | None = None) -> Engine:
    engine = Engine.open(
        url, clock=clock, config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(voucher_engine_jtl,)),
    )
    engine.provide(Identity, Identity(engine, FAST_IDENTITY))
    return engine


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    secret: str

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()


def new_client(engine: Engine, tenant: str = TENANT, scopes: tuple[str, ...] = EVERY_SCOPE) -> Client:
    created = engine.shared(Identity).clients.create_client(tenant, list(scopes), "JTL shop")
    return Client(created.client_id, created.secret)


def token_of(engine: Engine, client: Client, scope: str | None = None) -> str:
    """An access token minted directly by the identity service (the token endpoint has its own
    tests); ``scope`` narrows it."""
    return engine.shared(Identity).clients.client_credentials(client.client_id, client.secret, scope).access_token


def issue(
    engine: Engine, code: str, value: str = "50.00", currency: str = "EUR", *, tenant: str = TENANT,
    pin: str | None = None, taxable: bool = False, tax_rate: str | None = None,
):  # noqa: ANN201
    return engine.issue(tenant, VoucherSpec(
        kind=VoucherKind.MONETARY, value=Money.parse(value, currency), pin=pin, taxable=taxable,
        tax_rate=Decimal(tax_rate) if tax_rate is not None else None,
    ), code=code)


def bearer(token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def reservation(**fields: object) -> bytes:
    """The seed's body, fields changed, or removed when given ``None``."""
    base: dict[str, object] = {"amount": "10.53", "currency": "EUR", "code": "test", "pin": "test"}
    for name, value in fields.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return json.dumps(base).encode()


def snapshot(engine: Engine, code: str, tenant: str = TENANT) -> tuple:
    """Everything a JTL request may change about a voucher: its ledger, balances, state, and
    the tenant's outbox. A refused request leaves it equal."""
    voucher = engine.get_voucher(tenant, code=code)
    return (engine.ledger(tenant, code=code), voucher.available, voucher.held, voucher.state,
            engine.outbox_size(tenant))


def assert_replay_matches(engine: Engine, code: str, tenant: str = TENANT) -> None:
    voucher = engine.get_voucher(tenant, code=code)
    balance = replay(engine.ledger(tenant, code=code))
    assert (balance.available, balance.held) == (voucher.available, voucher.held)


# --- a real server process -------------------------------------------------------------------
# Until the test kit's ``ve_server`` fixture lands: uvicorn with the provider mounted at "/".

STARTUP_DEADLINE_S = 60.0


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def send(
    conn: http.client.HTTPConnection, method: str, path: str, data: bytes | None, headers: Mapping[str, str]
) -> tuple[int, bytes]:
    conn.request(method, path, body=data, headers=dict(headers))
    response = conn.getresponse()
    return response.status, response.read()


class Uvicorn:
    """``uvicorn --factory voucher_engine_litestar:create_app_from_env`` with ``jtl=/``, as a
    deployment serving JTL clients runs it; no background worker (tests sweep themselves)."""

    def __init__(self, url: str, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "voucher_engine_litestar:create_app_from_env",
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level", "warning"],
            env={**os.environ, "VOUCHER_ENGINE_URL": url, "VOUCHER_ENGINE_MOUNTS": "jtl=/",
                 "VOUCHER_ENGINE_WORKER": "0"},
            cwd=log_path.parent, stdout=self._log, stderr=subprocess.STDOUT,
        )
        self._wait_until_serving()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _wait_until_serving(self) -> None:
        """Until the token endpoint answers (a 405 to a GET proves JTL is mounted at "/")."""
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                conn = self.connection()
                try:
                    if send(conn, "GET", TOKEN_PATH, None, {})[0] == 405:
                        return
                finally:
                    conn.close()
            except OSError:
                pass  # not listening yet
            time.sleep(0.05)  # a polling interval, not a wait for time to pass
        pytest.fail(f"no answer within {STARTUP_DEADLINE_S} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def call(self, method: str, path: str, data: bytes | None, headers: Mapping[str, str]) -> tuple[int, dict | None]:
        """One request on its own connection (safe from any thread)."""
        conn = self.connection()
        try:
            status, raw = send(conn, method, path, data, headers)
        finally:
            conn.close()
        return status, (json.loads(raw) if raw else None)
