"""Parallel redemptions on PostgreSQL through the HTTP API of a real server process (the test
kit's ``ve_server``): the engine's conditional UPDATE lets exactly as many succeed as the
voucher holds, whatever the interleaving."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from vouchercart_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    FORM,
    add_domains,
    add_staff,
    administrator,
    basic,
    issue,
    monetary,
    open_vouchercart_engine,
)

import voucher_engine_vouchercart.hooks
from dbsupport import fresh_database_url
from voucher_engine import VoucherKind

pytestmark = pytest.mark.postgresql

CLIENTS = 32


@pytest.fixture
def migrated_pg_url(tmp_path):
    yield from fresh_database_url("postgresql", tmp_path, migrated=True)


@pytest.fixture
def served(migrated_pg_url, ve_server):
    """Domains, an administrator, and the server (system clock) on a fresh PostgreSQL database."""
    pg_url = migrated_pg_url
    engine = open_vouchercart_engine(pg_url)
    add_domains(engine)
    add_staff(engine, ADMIN_EMAIL, ADMIN_PASSWORD, administrator())
    server = ve_server(pg_url, plugins=[voucher_engine_vouchercart.hooks], mounts={"vouchercart": "/"}, clock=None)
    response = httpx.post(
        f"{server.url}/v1/authorize",
        content=b"subdomain=my-sales-page",
        headers={**basic(ADMIN_EMAIL, ADMIN_PASSWORD), **FORM},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    yield engine, server.url, response.json()["accessToken"]
    server.stop()
    engine.close()


def race(url: str, token: str, data: bytes) -> list[httpx.Response]:
    barrier = threading.Barrier(CLIENTS)
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            response = client.post(
                f"{url}/v1/redeem", content=data, headers={"Authorization": f"Bearer {token}", **FORM}
            )
        with lock:
            results.append(response)

    threads = [threading.Thread(target=one) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def window() -> dict:
    now = datetime.now(UTC)
    return {"start": now - timedelta(days=1), "end": now + timedelta(days=30)}


def test_32_parallel_unit_redemptions_of_a_20_unit_voucher(served):
    engine, url, token = served
    issue(engine, "MULT-IUSE-0000-0020", kind=VoucherKind.MULTI_USE, value=20, **window())
    results = race(url, token, b"code=MULT-IUSE-0000-0020&domain=1&reductor=1")
    ok = [r for r in results if r.status_code == 200]
    refused = [r for r in results if r.status_code != 200]
    assert (len(ok), len(refused)) == (20, 12)
    assert {(r.status_code, r.json()["code"]) for r in refused} <= {(422, 1013), (422, 1011)}
    status = httpx.get(
        f"{url}/v1/status?code=MULT-IUSE-0000-0020&domain=1", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()
    assert (len(status["redeemHistory"]), status["current"], status["status"], status["redeemed"]) == (
        20,
        20,
        "completed",
        True,
    )


def test_a_monetary_voucher_of_20_00_redeemed_by_1_00_from_32_clients(served):
    engine, url, token = served
    monetary(engine, "MONE-TARY-0000-2000", 2000, **window())
    results = race(url, token, b"code=MONE-TARY-0000-2000&domain=1&reductor=100")
    assert sum(r.status_code == 200 for r in results) == 20
    assert {(r.status_code, r.json()["code"]) for r in results if r.status_code != 200} <= {(422, 1013), (422, 1011)}
    status = httpx.get(
        f"{url}/v1/status?code=MONE-TARY-0000-2000&domain=1", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()
    assert ([h["amount"] for h in status["redeemHistory"]], status["current"], status["stock"]) == (
        [100] * 20,
        2000,
        2000,
    )
    assert (status["remainingString"], status["status"]) == ("0.00 USD left", "completed")
    voucher = engine.get_voucher("acme", code="MONE-TARY-0000-2000")
    assert (voucher.available, voucher.held) == (0, 0)
