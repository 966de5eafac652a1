"""What `voucher-engine serve` gives away, tried from outside against the real command on
PostgreSQL (its output captured): operational routes only with credentials and no tenant
existence oracle; no driver text in any answer and no retry advice for a value the database
refuses; one access line per request, naming route templates, never the codes in paths."""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dbsupport import fresh_database_url
from opsauth import bearer_headers
from voucher_engine import Engine, VoucherKind, VoucherSpec
from voucher_engine.testing import STARTUP_PROBE_ID, Server, free_port

pytestmark = pytest.mark.postgresql

METRICS_TOKEN = "served-scraper-token-0123456789"
CODE = "LEAKME-7Q2X-9KDP"


class Served:
    def __init__(self, server: Server, operator: dict[str, str], globex: dict[str, str]) -> None:
        self.server = server
        self.operator = operator
        self.globex = globex


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = Path(tmp_path_factory.mktemp("serve-leaks"))
    for url in fresh_database_url("postgresql", tmp, migrated=True):
        with Engine.open(url) as engine:
            for tenant in ("acme", "globex"):
                engine.create_tenant(tenant)
            engine.issue("acme", VoucherSpec(VoucherKind.SINGLE_USE), code=CODE)
            engine.create_pool("acme", "acme-secret-pool")
            operator = bearer_headers(engine, "acme")  # admin:tenants, the platform operator
            globex = bearer_headers(engine, "globex", "admin:read")
        port = free_port()
        argv = [sys.executable, "-m", "voucher_engine.cli", "serve", "--url", url, "--port", str(port), "--no-worker"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "VOUCHER_ENGINE_SERVER_METRICS_TOKEN": METRICS_TOKEN}
        server = Server(argv, env, port, tmp / "serve.log", tmp)
        try:
            server.wait_until_ready("/health", 60)
            yield Served(server, operator, globex)
        finally:
            server.stop()


def test_stats_and_metrics_need_credentials_and_never_tell_which_tenants_exist(served: Served) -> None:
    get = served.server.request
    anonymous = [get("GET", path) for path in ("/stats", "/stats?tenant=acme", "/stats?tenant=nobody", "/metrics")]
    assert [r.status for r in anonymous] == [401] * 4
    # Another tenant's token: that tenant and one that does not exist answer alike.
    acme, nobody = (get("GET", f"/stats?tenant={t}", headers=served.globex) for t in ("acme", "nobody"))
    assert (acme.status, nobody.status) == (404, 404)
    assert acme.json()["code"] == nobody.json()["code"] == "tenant_not_found"
    own = get("GET", "/stats", headers=served.globex)
    assert own.status == 200 and own.json()["pools"] == []
    # A tenant's token is no scraper's; the configured token is.
    assert get("GET", "/metrics", headers=served.globex).status == 401
    for refused in [*anonymous, acme, nobody, own]:
        assert b"acme-secret-pool" not in refused.body
    scrape = get("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scrape.status == 200 and b'pool="acme-secret-pool"' in scrape.body
    everything = get("GET", "/stats", headers=served.operator)
    assert everything.status == 200 and {p["pool"] for p in everything.json()["pools"]} == {"acme-secret-pool"}


def test_a_value_the_database_refuses_is_a_client_error_without_driver_text(served: Served) -> None:
    # A NUL character in the staff email of a Basic login reaches PostgreSQL's text column.
    basic = base64.b64encode(b"ann\x00@example.com:password").decode()
    response = served.server.request(
        "POST",
        "/admin/staff-sessions",
        json_body={"tenant": "acme", "scope": "shop"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert 400 <= response.status < 500
    assert "retry-after" not in response.headers  # the same request will never succeed
    text = response.body.decode().lower()
    assert not any(word in text for word in ("postgresql", "nul", "0x00", "staff_users", "psycopg"))


def test_the_access_log_has_one_line_per_request_naming_templates_not_codes(served: Served) -> None:
    get = served.server.request
    assert get("GET", f"/admin/vouchers/{CODE}/ledger?pin=1234", headers={"X-Request-ID": "leak-1"}).status == 401
    assert get("GET", f"/admin/vouchers/{CODE}", headers={"X-Request-ID": "leak-2", **served.operator}).status in (
        200,
        403,
    )
    assert get("GET", f"/no/such/{CODE}", headers={"X-Request-ID": "leak-3"}).status == 404
    served.server.stop()
    log = served.server.log()
    assert CODE not in log
    lines = log.splitlines()
    # uvicorn's own access line ('127.0.0.1:PORT - "GET /path HTTP/1.1" 200') is off.
    assert not [line for line in lines if 'HTTP/1.1"' in line]
    access = [
        json.loads(line)
        for line in lines
        if line.startswith("{") and json.loads(line)["logger"] == "voucher_engine_litestar.access"
    ]
    ours = [(a["request_id"], a["route"]) for a in access if a["request_id"] != STARTUP_PROBE_ID]
    assert [o for o in ours if o[0].startswith("leak-")] == [
        ("leak-1", "/admin/vouchers/{code}/ledger"),
        ("leak-2", "/admin/vouchers/{code}"),
        ("leak-3", "unmatched"),
    ]
