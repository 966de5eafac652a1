"""Issue 16's done-when: from one fixture file and one configuration file, an operator
provisions a tenant with a distributor, a partner, a webhook endpoint, a staff user and an admin
client (``voucher-engine load`` prints their secrets once), starts ``serve`` and ``worker`` from
the configuration file (real processes, on PostgreSQL), and the promo and Jackpot flows run end
to end with nothing but the secrets printed at load."""

from __future__ import annotations

import base64
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli_helpers import cli, ok
from served_cli import admin_token, serve, start_worker, stop_worker

from voucher_engine import SystemClock
from voucher_engine.testing import PartnerSigner, Received, WebhookReceiver, free_port

CONFIG = """
url = "{url}"
log_format = "text"

[server]
port = {port}
worker = false              # a separate `voucher-engine worker` delivers and fulfils
mounts = ["promo=/", "jackpot=/"]

[webhooks]
networks = ["127.0.0.1/32"]
poll_interval = "200ms"

[providers.jackpot]
session_ttl = "10m"
reservation_ttl = "5m"
"""

FIXTURE = """
tenant = "acme"

[[tenants]]
id = "acme"

[[stores]]
id = "amazon"
name = "Amazon"

[[pools]]
id = "amz-fixed"
codes = ["AMZ-0001-AAAA", "AMZ-0002-BBBB"]

[[pools]]
id = "promo"
codes = ["BET-ABC-123456", "BET-DEF-234567"]

[[offers]]
id = "amz-fixed"
store = "amazon"
currency = "EUR"
denominations = ["10.00", "25.00", "50.00"]
discount_bp = 500
pool = "amz-fixed"

[[campaigns]]
id = "CAMP-1"
pool = "promo"
ends_at = 2030-12-31T23:59:59Z
trigger_categories = ["PAY"]
distributors = ["DIST-1"]

[[clients]]
name = "ops"
scopes = ["admin"]

[[distributors]]
id = "DIST-1"

[[partners]]
id = "shop-42"

[[webhooks]]
url = "{hook}"
provider = "jackpot"

[[staff]]
email = "ops@acme.example"
roles = {{ admin = "admin" }}
"""


def secrets_of(out: str) -> dict[str, str]:
    return {f"{k} {f}": v for k, f, v in re.findall(r"^  (\w+) acme/\S+ (\w+): (\S+)$", out, re.M)}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_provision_from_files_then_serve_and_work_from_the_configuration(pg_url: str, tmp_path: Path) -> None:
    ready, steps_seen = threading.Event(), set()

    def answer(got: Received) -> int:
        steps_seen.add(json.loads(got.body)["type"])
        if {"RESERVED", "CONFIRMED", "READY"} <= steps_seen:
            ready.set()  # every step of the voucher has arrived
        return 200

    with WebhookReceiver() as receiver:
        receiver.answer = answer
        port = free_port()
        config = tmp_path / "voucher-engine.toml"
        config.write_text(CONFIG.format(url=pg_url, port=port))
        fixture = tmp_path / "acme.toml"
        fixture.write_text(FIXTURE.format(hook=receiver.url))

        ok(cli("--config", str(config), "db", "upgrade"))
        shown = ok(cli("--config", str(config), "config", "show")).stdout
        assert 'session_ttl = "10m"' in shown and 'networks = ["127.0.0.1/32"]' in shown
        loaded = ok(cli("--config", str(config), "load", str(fixture))).stdout
        secret = secrets_of(loaded)
        assert sorted(secret) == [
            "client client_id",
            "client client_secret",
            "distributor token",
            "partner shared_secret",
            "staff password",
            "webhook secret",
        ]

        server = serve(["--config", str(config), "serve"], port, tmp_path / "serve")
        worker = start_worker(["--config", str(config), "worker", "--id", "e2e"], tmp_path)
        try:
            # Promo: the distributor's token printed at load gets a code of the campaign.
            reply = server.request(
                "POST",
                "/api/v1/voucher/request",
                headers=bearer(secret["distributor token"]),
                json_body={
                    "distributor_id": "DIST-1",
                    "terminal_id": "AT-1",
                    "trigger_category_id": "PAY",
                    "trigger_product_id": "PaysafeCard",
                },
            )
            issued = reply.json()
            assert reply.status == 200, issued
            assert (issued["campaign_id"], issued["voucher_code"]) == ("CAMP-1", "BET-ABC-123456")

            # Jackpot: the partner signs with the shared secret printed at load.
            partner = PartnerSigner(SystemClock(), "shop-42", secret["partner shared_secret"], tenant="acme")
            reply = server.request(
                "POST",
                "/v2/token",
                json_body={"token": partner.sign(amount="50.00", currency="EUR", customerReference="customer-1")},
            )
            session = reply.json()
            assert reply.status == 201, session
            lifetime = datetime.fromisoformat(session["expiresAt"]) - datetime.now(UTC)
            assert timedelta(minutes=9) < lifetime <= timedelta(minutes=10)  # the file's session_ttl, not 1 h
            reply = server.request(
                "POST",
                "/v2/stores/amazon/offers/amz-fixed/reserve-voucher-by-price",
                json_body={"price": "47.50"},
                headers=bearer(session["sessionToken"]),
            )
            voucher = reply.json()
            assert (reply.status, voucher["state"]) == (201, "RESERVED"), voucher
            reserved_for = datetime.fromisoformat(voucher["reservedUntil"]) - datetime.now(UTC)
            assert timedelta(minutes=4) < reserved_for <= timedelta(minutes=5)  # reservation_ttl
            vid = voucher["voucherId"]
            reply = server.request("POST", f"/v2/vouchers/{vid}/confirm", headers=bearer(partner.sign()))
            assert (reply.status, reply.json()["state"]) == (200, "CONFIRMED")

            # The worker process fulfils and delivers; the endpoint's secret from the load verifies.
            assert ready.wait(60), (tmp_path / "worker.log").read_text()
            steps = sorted(
                (e["type"], e["data"]["code"] or "")
                for e in receiver.verify(secret["webhook secret"])
                if e["data"].get("voucherId") == vid
            )  # sent in parallel: any order
            assert steps == [("CONFIRMED", ""), ("READY", "AMZ-0001-AAAA"), ("RESERVED", "")]
            reply = server.request("GET", f"/v2/vouchers/{vid}", headers=bearer(partner.sign()))
            assert (reply.json()["state"], reply.json()["code"]) == ("READY", "AMZ-0001-AAAA")

            # The admin client and the staff user log in with what the load printed.
            token = admin_token(server, secret["client client_id"], secret["client client_secret"])
            endpoints = server.request("GET", "/admin/webhooks", headers=bearer(token)).json()
            assert [e["url"] for e in endpoints] == [receiver.url]
            basic = base64.b64encode(f"ops@acme.example:{secret['staff password']}".encode()).decode()
            reply = server.request(
                "POST",
                "/admin/staff-sessions",
                json_body={"tenant": "acme", "scope": "admin"},
                headers={"Authorization": f"Basic {basic}"},
            )
            assert reply.status == 201, reply.body
        finally:
            worker_status = stop_worker(worker)
            server.stop()
        assert worker_status == 0
        assert "voucher_engine" in server.log() and "{" not in server.log().splitlines()[-1]  # log_format text
