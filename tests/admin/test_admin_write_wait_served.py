"""Through a real server process (``create_app_from_env``, as deployed), configured with a
``write_wait`` of one second: a write whose row another PostgreSQL connection keeps locked is
answered 409 ``conflict`` with Retry-After within that budget, not after the lock timeout's
retries (33.8 s before the budget existed), and the same write succeeds once the lock is gone."""

from __future__ import annotations

import base64
import time
import urllib.parse

import pytest
from admin_support import configure_cheaply
from sqlalchemy import create_engine, text

import voucher_engine_admin
from voucher_engine import Engine, EngineConfig
from voucher_engine.delivery import DeliverySettings, Webhooks
from voucher_engine.testing import PRODUCTION_APP

BUDGET_S = 1.0
TOLERANCE_S = 0.8  # a loaded machine's scheduling; one more lock-timeout retry would be 3 s more


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_write_on_a_locked_row_answers_409_within_the_configured_wait(database_url, ve_server):
    with Engine.open(database_url, config=EngineConfig(auto_migrate=True)) as engine:
        engine.create_tenant("acme")
        configure_cheaply(engine)
        client_id, secret = voucher_engine_admin.bootstrap(engine, "acme")
        resolve = lambda host, port: ["93.184.215.14"]  # noqa: E731 - DNS stand-in: no internet here
        endpoint = (
            Webhooks(engine, DeliverySettings(), resolve=resolve)
            .create_endpoint("acme", "https://hooks.example.com/in")
            .endpoint
        )
    server = ve_server(
        database_url, app=PRODUCTION_APP, plugins=None, clock=None, env={"VOUCHER_ENGINE_WRITE_WAIT": f"{BUDGET_S}s"}
    )
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "admin"}).encode()
    token = server.request(
        "POST",
        "/admin/oauth/token",
        data=form,
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    ).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    path = f"/admin/webhooks/{endpoint.id}/disable"

    other = create_engine(database_url)
    with other.connect() as conn, conn.begin():
        conn.execute(text("SELECT id FROM webhook_endpoints WHERE id = :id FOR UPDATE"), {"id": endpoint.id})
        start = time.monotonic()
        blocked = server.request("POST", path, headers=auth, timeout=60)
        waited = time.monotonic() - start
    other.dispose()

    assert (blocked.status, blocked.json()["code"]) == (409, "conflict"), blocked.body
    assert blocked.headers["retry-after"] == "1"
    assert BUDGET_S - 0.35 <= waited <= BUDGET_S + TOLERANCE_S, waited
    assert server.request("POST", path, headers=auth).status == 200  # the held lock was the cause
