"""Campaign owners hear when a pool runs low and when it is used up: the engine writes
``pool.low_stock`` and ``pool.depleted`` to the outbox as promo requests drain a pool, and the
webhook worker delivers them to the tenant's endpoint, signed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from promo_support import PATH, SEED_BODY, add_campaign, bearer

from voucher_engine.delivery import DeliverySettings, Webhooks, Worker

SETTINGS = DeliverySettings(allowed_networks=("127.0.0.1/32",), periodic_jobs={})


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A webhook receiver on a loopback port; the requests it got."""
    got: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            got.append(({k.lower(): v for k, v in self.headers.items()}, raw))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/pools", got
    server.shutdown()
    server.server_close()


def _signed_by(secret: str, headers: dict[str, str], raw: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, s.split(",", 1)[1]) for s in headers["webhook-signature"].split())


def test_low_stock_and_depleted_reach_the_campaign_owners_webhook(client, token, promo_engine, receiver):
    url, got = receiver
    add_campaign(promo_engine, "acme", "CAMP-SMALL", ["S-1", "S-2", "S-3"], pool_id="small", priority=1, low_stock=1)
    webhooks = Webhooks(promo_engine, SETTINGS)
    endpoint = webhooks.create_endpoint("acme", url, event_types=["pool.low_stock", "pool.depleted"])
    worker = Worker(promo_engine, SETTINGS)
    try:
        for _ in range(3):
            assert client.post(PATH, content=SEED_BODY, headers=bearer(token)).json()["campaign_id"] == "CAMP-SMALL"
        while not worker.run_once().idle:
            pass
    finally:
        worker.close()
    # Deliveries are sent in parallel, so they may arrive in either order.
    events = {json.loads(raw)["type"]: json.loads(raw)["data"] for _, raw in got}
    assert len(got) == 2
    assert events == {
        "pool.low_stock": {"type": "pool.low_stock", "subject_id": "small", "remaining": 1, "size": 3},
        "pool.depleted": {"type": "pool.depleted", "subject_id": "small", "size": 3},
    }
    assert all(_signed_by(endpoint.secret, headers, raw) for headers, raw in got)
