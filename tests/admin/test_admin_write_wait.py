"""Through the real app: a write whose row another PostgreSQL connection keeps locked is
answered 409 ``conflict`` with Retry-After (the documented answer, docs/http.md) within the
engine's total write budget, and the held thread is free again."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from admin_support import admin_headers, configure_cheaply
from litestar.testing import TestClient
from sqlalchemy import text

from dbsupport import database_of, open_engine
from voucher_engine import Engine, ManualClock
from voucher_engine.delivery import Webhooks
from voucher_engine.storage.database import DatabaseSettings
from voucher_engine.testing import LOOPBACK
from voucher_engine_litestar import create_app

BUDGET_S = 1.0
TOLERANCE_S = 0.6  # scheduling on a loaded machine; one more retry's lock timeout would be more


@pytest.fixture
def budgeted(database_url: str) -> Iterator[Engine]:
    engine = open_engine(
        database_url, ManualClock(), max_write_wait_s=BUDGET_S, database=DatabaseSettings(pg_lock_timeout_ms=300)
    )
    engine.create_tenant("acme")
    yield engine
    engine.close()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_write_on_a_locked_row_is_a_409_within_the_budget(budgeted: Engine, database_url: str):
    configure_cheaply(budgeted)
    endpoint = Webhooks(budgeted, LOOPBACK).create_endpoint("acme", "http://127.0.0.1:9/in").endpoint
    with TestClient(create_app(budgeted)) as http:
        headers = admin_headers(http, budgeted, "acme")
        path = f"/admin/webhooks/{endpoint.id}/disable"
        with database_of(budgeted).sa.connect() as other, other.begin():
            other.execute(text("SELECT id FROM webhook_endpoints WHERE id = :id FOR UPDATE"), {"id": endpoint.id})
            start = time.monotonic()
            response = http.post(path, headers=headers)
            waited = time.monotonic() - start
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "conflict"
        assert response.headers["retry-after"] == "1"
        assert BUDGET_S - 0.35 <= waited <= BUDGET_S + TOLERANCE_S
        assert http.post(path, headers=headers).status_code == 200  # the held lock was the cause
