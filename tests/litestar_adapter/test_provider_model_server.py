"""The model's capabilities through a real server process (the test kit's ``ve_server``), as
a partner's client meets them: bytes on a socket, not an in-process ASGI call."""

from __future__ import annotations

import base64
import time
import uuid

import model_provider
import pytest
from standardwebhooks import Webhook
from test_provider_model import LOOPBACK, Receiver, open_engine

from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks

BEARER = {"Authorization": f"Bearer {model_provider.BEARER}"}
JSON = {"Content-Type": "application/json"}
pytestmark = pytest.mark.parametrize("ve_backend", ["sqlite"])  # the adapter decides, not the database


@pytest.fixture
def served(ve_server, ve_database_url):
    """alpha and beta under /v1, with the server's own webhook worker."""
    return ve_server(
        plugins=[model_provider],
        mounts=model_provider.MOUNTS,
        worker=True,
        webhook_networks=("127.0.0.1/32",),
        clock=None,
    )


def test_every_capability_over_a_socket(served) -> None:
    # per-field errors, in alpha's shape
    reply = served.request(
        "POST", "/v1/orders", data=b'{"amount": "1.5", "reference": "r"}', headers={**BEARER, **JSON}
    )
    assert (reply.status, reply.json()["errors"][0]["property"]) == (422, "amount")
    # 204 with no body
    reply = served.request("DELETE", "/v1/orders/o-1", headers=BEARER)
    assert (reply.status, reply.body) == (204, b"")
    # any-of auth: the form's credentials
    form = b"grant_type=client_credentials&client_id=shop-1&client_secret=s3cret-s3cret"
    reply = served.request(
        "POST", "/v1/token", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (reply.status, reply.json()["token_type"]) == (200, "Bearer")
    basic = base64.b64encode(b"shop-1:wrong").decode()
    reply = served.request(
        "POST",
        "/v1/token",
        data=b"grant_type=client_credentials",
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (reply.status, reply.json()["error"]) == (401, "invalid_client")
    # multipart
    boundary = uuid.uuid4().hex
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\nA\nB\n\r\n--{boundary}--\r\n"
    ).encode()
    reply = served.request(
        "POST",
        "/v1/imports",
        data=multipart,
        headers={**BEARER, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert (reply.status, reply.json()["lines"]) == (200, 2)
    # a per-operation rate limit, in the provider's shape
    assert [served.request("GET", "/v1/staff", headers=BEARER).status for _ in range(3)] == [200, 200, 429]
    # two providers under /v1, each answering in its own shape
    reply = served.request("POST", "/v1/status", data=b'{"code": "x"}', headers=JSON)
    assert (reply.status, reply.json()) == (422, {"errors": {"code": ["Expected `str` of length >= 3"]}})
    reply = served.request("GET", "/v1/nowhere")
    assert (reply.status, reply.json()["errors"][0]["code"]) == (404, "not_found")
    # OpenAPI per provider
    assert "/v1/token" in served.request("GET", "/providers/alpha/openapi.json").json()["paths"]


def test_a_collision_stops_the_server_at_start_up(ve_server, ve_database_url) -> None:
    with pytest.raises(AssertionError) as refused:
        ve_server(plugins=[model_provider], mounts={**model_provider.MOUNTS, "gamma": "/v1"}, clock=None)
    assert "POST /v1/token: operations alpha.token and gamma.token collide" in str(refused.value)


def test_the_servers_worker_sends_a_provider_shaped_webhook(served, ve_database_url) -> None:
    engine = open_engine(ve_database_url)  # the host's side: registers the endpoint, issues a card
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
