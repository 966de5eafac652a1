"""Issue 15: ``serve --webhook-network`` (and the configuration's ``[webhooks] networks``)
reach the admin API, so an operator registers a private-network endpoint over HTTP. Through
real ``voucher-engine serve`` processes; without either, the endpoint is refused and nothing is
written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import open_engine
from served_cli import admin_token, serve

from voucher_engine.delivery import Webhooks
from voucher_engine.identity import Argon2Params, Identity, IdentityConfig
from voucher_engine.testing import free_port

#: Cheap hashing for the test's client; the hash carries its parameters, so the server too.
CHEAP = IdentityConfig(argon2=Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1))
PRIVATE = "http://127.0.0.1:9/hook"


@pytest.fixture
def acme(sqlite_url: str) -> tuple[str, str, str]:
    with open_engine(sqlite_url) as engine:
        engine.create_tenant("acme")
        client = Identity(engine, CHEAP).clients.create_client("acme", ["admin"], "ops")
    return sqlite_url, client.client_id, client.secret


def register(args: list[str], acme: tuple[str, str, str], workdir: Path) -> tuple[int, dict[str, Any]]:
    url, client_id, secret = acme
    port = free_port()
    server = serve(["serve", "--url", url, "--port", str(port), "--no-worker", *args], port, workdir)
    try:
        token = admin_token(server, client_id, secret)
        reply = server.request(
            "POST", "/admin/webhooks", json_body={"url": PRIVATE}, headers={"Authorization": f"Bearer {token}"}
        )
        return reply.status, reply.json()
    finally:
        server.stop()


def test_the_flag_lets_the_admin_api_register_a_private_endpoint(acme: tuple[str, str, str], tmp_path: Path) -> None:
    status, created = register(["--webhook-network", "127.0.0.1/32"], acme, tmp_path)
    assert (status, created["url"]) == (201, PRIVATE) and created["secret"].startswith("whsec_")
    with open_engine(acme[0]) as engine:
        assert [e.url for e in Webhooks(engine).list_endpoints("acme")] == [PRIVATE]


def test_the_configuration_key_does_the_same(acme: tuple[str, str, str], tmp_path: Path) -> None:
    config = tmp_path / "voucher-engine.toml"
    config.write_text('[webhooks]\nnetworks = ["127.0.0.0/8"]\n')
    status, created = register(["--config", str(config)], acme, tmp_path)
    assert (status, created["url"]) == (201, PRIVATE)


def test_without_either_the_endpoint_is_refused_and_nothing_written(acme: tuple[str, str, str], tmp_path: Path) -> None:
    status, refused = register([], acme, tmp_path)
    assert status == 422 and refused["code"] == "unsafe_webhook_url", refused
    with open_engine(acme[0]) as engine:
        assert Webhooks(engine).list_endpoints("acme") == []
