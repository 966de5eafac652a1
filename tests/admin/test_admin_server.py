"""The admin API through a real server process (the test kit's ``ve_server``, running
``create_app_from_env`` as deployed): the test bootstraps a client, gets a token over the wire
and uses it."""

from __future__ import annotations

import base64
import json
import urllib.parse

from admin_support import configure_cheaply

import voucher_engine_admin
from voucher_engine import Engine, EngineConfig
from voucher_engine.testing import PRODUCTION_APP


def test_a_token_from_a_real_server_opens_the_admin_api(database_url, ve_server):
    with Engine.open(database_url, config=EngineConfig(auto_migrate=True)) as engine:
        engine.create_tenant("acme")
        configure_cheaply(engine)  # the hash carries its parameters: the server verifies it cheaply too
        client_id, secret = voucher_engine_admin.bootstrap(engine, "acme")
    server = ve_server(database_url, app=PRODUCTION_APP, plugins=None, clock=None)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "admin"}).encode()
    reply = server.request(
        "POST",
        "/admin/oauth/token",
        data=form,
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    token = reply.json()
    assert reply.status == 200 and token["token_type"] == "Bearer" and token["scope"] == "admin"
    assert reply.headers["cache-control"] == "no-store"
    auth = {"Authorization": f"Bearer {token['access_token']}", "Content-Type": "application/json"}
    reply = server.request("POST", "/admin/pools", data=json.dumps({"id": "wire"}).encode(), headers=auth)
    assert reply.status == 201 and reply.json()["id"] == "wire"
    reply = server.request("GET", "/admin/tenant", headers=auth)
    assert reply.status == 200 and reply.json() == {"id": "acme", "client_id": client_id, "scopes": ["admin"]}
    assert server.request("GET", "/admin/tenant").status == 401
    server.stop()
    with Engine.open(database_url) as engine:
        assert [p.pool_id for p in engine.list_pools("acme")] == ["wire"]
