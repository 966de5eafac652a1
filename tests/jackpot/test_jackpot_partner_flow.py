"""A partner's whole integration, through the real ASGI app on both databases: sign a JWT with
PyJWT, open a session, browse, reserve, confirm; the worker fulfils the voucher and the
partner's notification URL gets RESERVED, CONFIRMED and READY, each verified with
``standardwebhooks``; then the partner downloads the PDF and finds the code in it."""

from __future__ import annotations

import json
import re

from jackpot_support import WEBHOOKS, bearer, session_jwt, sign
from standardwebhooks import Webhook

from voucher_engine.delivery import Webhooks, Worker
from voucher_engine_jackpot import register_notification_url
from voucher_engine_jackpot.attachment import MODULE, QR_LEFT, QR_TOP, qr_matrix


def drain(worker: Worker) -> None:
    while not worker.run_once().idle:
        pass


def drawn_matrix(pdf: bytes, size: int) -> list[list[bool]]:
    """The QR modules the PDF draws, read back from its rectangles."""
    grid = [[False] * size for _ in range(size)]
    for x, y in re.findall(rb"(\d+) (\d+) %d %d re" % (MODULE, MODULE), pdf):
        column, row = (int(x) - QR_LEFT) // MODULE, (QR_TOP - int(y)) // MODULE - 1
        grid[row][column] = True
    return grid


def test_a_partner_reserves_confirms_and_gets_a_ready_voucher(client, jackpot_engine, jackpot_clock, receiver):
    endpoint = register_notification_url(Webhooks(jackpot_engine, WEBHOOKS), "acme", receiver.url)
    now = jackpot_clock.now()

    opened = client.post("/v2/token", json={"token": session_jwt(now, "50.00")})
    assert opened.status_code == 201, opened.text
    session = opened.json()
    assert (session["amount"], session["currency"]) == ("50.00", "EUR")
    token = session["sessionToken"]

    stores = client.get("/v2/stores", headers=bearer(token)).json()
    assert [(s["id"], [o["id"] for o in s["offers"]]) for s in stores] == [
        ("amazon", ["amz-fixed", "amz-range"]),
        ("zalando", ["zal-fixed"]),
    ]
    assert stores[0]["offers"][0]["denominations"] == ["10.00", "25.00", "50.00"]

    by_amount = client.get("/v2/stores/proposed-vouchers", params={"amount": "30.00"}, headers=bearer(token)).json()
    assert [(p["storeId"], p["offerId"], p["value"], p["price"]) for p in by_amount] == [
        ("amazon", "amz-range", "30.00", "30.00"),
        ("zalando", "zal-fixed", "20.00", "20.00"),
    ]

    of_store = client.get("/v2/stores/amazon/proposed-vouchers", headers=bearer(token)).json()
    assert of_store and all(float(p["price"]) <= 50.00 for p in of_store)
    assert ("amz-fixed", "50.00", "47.50") in [(p["offerId"], p["value"], p["price"]) for p in of_store]

    offer = client.get("/v2/stores/amazon/offers/amz-fixed", headers=bearer(token)).json()
    assert offer["offer"]["discountPercent"] == "5.00"
    assert [(p["value"], p["price"]) for p in offer["proposals"]] == [
        ("50.00", "47.50"),
        ("25.00", "23.75"),
        ("10.00", "9.50"),
    ]

    reserved = client.post(
        "/v2/stores/amazon/offers/amz-fixed/reserve-voucher-by-price", json={"price": "47.50"}, headers=bearer(token)
    )
    assert reserved.status_code == 201, reserved.text
    voucher = reserved.json()
    assert (voucher["state"], voucher["value"], voucher["price"], voucher["code"]) == (
        "RESERVED",
        "50.00",
        "47.50",
        None,
    )
    voucher_id = voucher["voucherId"]

    # The session ended with the reservation.
    assert client.get("/v2/stores", headers=bearer(token)).json()["code"] == "session_ended"

    confirmed = client.post(f"/v2/vouchers/{voucher_id}/confirm", headers=bearer(sign(now)))
    assert (confirmed.status_code, confirmed.json()["state"]) == (200, "CONFIRMED")

    worker = Worker(jackpot_engine, WEBHOOKS)
    try:
        drain(worker)
    finally:
        worker.close()

    verifier = Webhook(endpoint.secret)
    events = [verifier.verify(r.body, r.headers) for r in receiver.received]
    steps = {e["type"]: e["data"] for e in events}
    assert len(events) == 3
    # Each step in the REST API's shape: the voucher as GET /v2/vouchers/{id} showed it then.
    assert steps["RESERVED"] == voucher
    assert steps["CONFIRMED"] == confirmed.json()
    assert {t: (d["state"], d["voucherId"], d["price"], d["value"]) for t, d in steps.items()} == {
        "RESERVED": ("RESERVED", voucher_id, "47.50", "50.00"),
        "CONFIRMED": ("CONFIRMED", voucher_id, "47.50", "50.00"),
        "READY": ("READY", voucher_id, "47.50", "50.00"),
    }
    assert steps["RESERVED"]["code"] is None and steps["CONFIRMED"]["code"] is None

    ready = client.get(f"/v2/vouchers/{voucher_id}", headers=bearer(sign(now))).json()
    assert (ready["state"], ready["code"]) == ("READY", "AMZ-0001-AAAA")
    assert steps["READY"] == ready

    url = client.get(f"/v2/vouchers/{voucher_id}/ready-url", headers=bearer(sign(now))).json()
    assert url == {"voucherId": voucher_id, "url": "https://shop.example/amazon?code=AMZ-0001-AAAA"}

    pdf = client.get(f"/v2/vouchers/{voucher_id}/attachment", headers=bearer(sign(now)))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    body = pdf.content
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    for text in (b"Voucher code: AMZ-0001-AAAA", b"Value: 50.00 EUR", b"Store: Amazon", b"Valid until: "):
        assert text in body
    expected = qr_matrix("AMZ-0001-AAAA")
    assert drawn_matrix(body, len(expected)) == expected

    refund = client.post(f"/v2/vouchers/{voucher_id}/refund-request", headers=bearer(sign(now)))
    assert (refund.status_code, refund.json()["state"]) == (200, "REFUND_REQUESTED")


def test_reserve_by_value_on_a_range_offer(client, jackpot_clock):
    now = jackpot_clock.now()
    token = client.post("/v2/token", json={"token": session_jwt(now, "50.00")}).json()["sessionToken"]
    reserved = client.post(
        "/v2/stores/amazon/offers/amz-range/reserve-voucher-by-value", json={"value": "45.00"}, headers=bearer(token)
    )
    assert reserved.status_code == 201, reserved.text
    assert (reserved.json()["value"], reserved.json()["price"]) == ("45.00", "45.00")
    assert json.loads(reserved.content)["customerReference"] == "customer-1001"
