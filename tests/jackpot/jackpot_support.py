"""Helpers for the Jackpot provider's tests: a partner (its HS256 API signature and the JWTs it
signs with PyJWT), a catalog set up the way an operator would, counts of every row a request
could write, a loopback webhook receiver, and a real uvicorn process.

A plain module with a unique name (not conftest.py), imported by that name.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from sqlalchemy import func, select

from dbsupport import database_of
import voucher_engine_jackpot
from voucher_engine import Engine, EngineConfig, Offer, Store
from voucher_engine.clock import Clock
from voucher_engine.delivery import DeliverySettings
from voucher_engine.identity import Identity
from voucher_engine.plugins import PluginSettings
from voucher_engine.storage.delivery_tables import jobs
from voucher_engine.storage.session_tables import spending_sessions
from voucher_engine.storage.tables import idempotency_keys, ledger_entries, outbox, pool_issues, vouchers

PARTNER = "shop-42"
SECRET = "jackpot-api-signature-of-shop-42-0123456789abcdef"
OTHER_PARTNER = "shop-77"
OTHER_SECRET = "jackpot-api-signature-of-shop-77-0123456789abcdef"
WEBHOOKS = DeliverySettings(allowed_networks=("127.0.0.1/32",), periodic_jobs={})


def near_now() -> datetime:
    """A ManualClock start near the real time: standardwebhooks refuses a webhook-timestamp
    five minutes off its own clock."""
    return datetime.now(UTC).replace(microsecond=0)


def open_jackpot_engine(url: str, clock: Clock | None = None) -> Engine:
    return Engine.open(
        url, clock=clock, config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(voucher_engine_jackpot,)),
    )


def set_up_tenant(engine: Engine, tenant: str = "acme") -> None:
    """The tenant, its two partners and its catalog:

    - store ``amazon``: ``amz-fixed`` (10, 25, 50 EUR at 5 % off) and ``amz-range`` (5 to 100
      EUR in steps of 5, no discount);
    - store ``zalando``: ``zal-fixed`` (20 and 40 EUR);
    each offer with its own pool of codes.
    """
    engine.create_tenant(tenant)
    identity = Identity(engine)
    identity.partners.register_partner(tenant, PARTNER, SECRET, algorithm="HS256")
    identity.partners.register_partner(tenant, OTHER_PARTNER, OTHER_SECRET, algorithm="HS256")
    engine.put_store(Store("amazon", tenant, "Amazon", url="https://shop.example/amazon"))
    engine.put_store(Store("zalando", tenant, "Zalando", url="https://shop.example/zalando"))
    for offer, codes in [
        (Offer("amz-fixed", tenant, "amazon", "Amazon gift card", "EUR", denominations=(1000, 2500, 5000),
               discount_bp=500, pool_id="amz-fixed"), ["AMZ-0001-AAAA", "AMZ-0002-BBBB"]),
        (Offer("amz-range", tenant, "amazon", "Amazon any amount", "EUR", min_value=500, max_value=10000,
               step=500, pool_id="amz-range"), ["AMR-0001-CCCC"]),
        (Offer("zal-fixed", tenant, "zalando", "Zalando gift card", "EUR", denominations=(2000, 4000),
               pool_id="zal-fixed"), ["ZAL-0001-DDDD"]),
    ]:
        engine.create_pool(tenant, offer.id)
        engine.add_codes(tenant, offer.id, codes)
        engine.put_offer(offer)


def sign(
    now: datetime,
    *,
    secret: str = SECRET,
    partner: str = PARTNER,
    tenant: str = "acme",
    lifetime: timedelta = timedelta(minutes=5),
    algorithm: str = "HS256",
    **claims: object,
) -> str:
    """A partner JWT as the partner's server signs it; ``claims`` add, replace or (``None``)
    remove claims."""
    payload: dict[str, object] = {
        "iss": partner, "tenant": tenant, "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()), "jti": uuid.uuid4().hex,
    }
    for name, value in claims.items():
        if value is None:
            payload.pop(name, None)
        else:
            payload[name] = value
    return jwt.encode(payload, secret, algorithm=algorithm)


def session_jwt(now: datetime, amount: object = "50.00", **claims: object) -> str:
    base: dict[str, object] = {"amount": amount, "currency": "EUR", "customerReference": "customer-1001"}
    return sign(now, **{**base, **claims})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def written(engine: Engine) -> dict[str, int]:
    """Counts of every row a Jackpot request writes (besides a used partner jti)."""
    sums = {
        "reserved": func.coalesce(func.sum(spending_sessions.c.reserved), 0),
        "ended": func.count(spending_sessions.c.ended_at),
    }
    with database_of(engine).read() as conn:
        counts = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (spending_sessions, vouchers, ledger_entries, outbox, jobs, pool_issues, idempotency_keys)
        }
        counts.update({name: conn.execute(select(value)).scalar_one() for name, value in sums.items()})
        counts["not_reserved_state"] = conn.execute(
            select(func.count()).select_from(vouchers).where(vouchers.c.state != "reserved")
        ).scalar_one()
    return counts


# --- a loopback webhook receiver ----------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes


class Receiver:
    """The partner's notification URL: an HTTP server on a free loopback port, in a thread."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        got = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server naming
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                got.append(Received({k.lower(): v for k, v in self.headers.items()}, raw))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/jackpot/notifications"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- a real server process ----------------------------------------------------------------------

STARTUP_DEADLINE_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Uvicorn:
    """``uvicorn --factory voucher_engine_litestar:create_app_from_env`` with the Jackpot
    provider at "/" (as Jackpot's own host), without the in-process worker."""

    def __init__(self, url: str, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "voucher_engine_litestar:create_app_from_env",
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level", "warning"],
            env={**os.environ, "VOUCHER_ENGINE_URL": url, "VOUCHER_ENGINE_MOUNTS": "jackpot=/",
                 "VOUCHER_ENGINE_WORKER": "0"},
            cwd=log_path.parent, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request(
        self, method: str, path: str, *, json_body: object = None, headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            data = None if json_body is None else json.dumps(json_body).encode()
            sent = {**({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})}
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
        finally:
            conn.close()

    def wait_until_serving(self) -> None:
        """Until the Jackpot token endpoint answers at "/" (a 405 to a GET proves the mount)."""
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if self.request("GET", "/v2/token")[0] == 405:
                    return
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

