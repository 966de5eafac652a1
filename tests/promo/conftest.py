"""Fixtures of the promo provider's tests (helpers live in ``promo_support``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from promo_support import SEED_NOW, add_campaign, new_distributor, open_promo_engine

import voucher_engine_promo
from dbsupport import fresh_database_url
from voucher_engine import Engine, ManualClock
from voucher_engine_litestar import create_app


@pytest.fixture
def promo_clock() -> ManualClock:
    return ManualClock(SEED_NOW)


@pytest.fixture
def promo_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of each backend, already migrated (copied from a session template)."""
    yield from fresh_database_url(backend, tmp_path, migrated=True)


@pytest.fixture
def promo_engine(promo_url: str, promo_clock: ManualClock) -> Iterator[Engine]:
    """Tenant acme, distributor DIST-001, and the seed's campaign with its first code."""
    engine = open_promo_engine(promo_url, promo_clock)
    engine.create_tenant("acme")
    add_campaign(engine, "acme", "CAMP-BETATHOME-001", ["BET-ABC-123456", "BET-DEF-234567"], pool_id="betathome")
    yield engine
    engine.close()


@pytest.fixture
def token(promo_engine: Engine) -> str:
    return new_distributor(promo_engine, "acme", "DIST-001")


@pytest.fixture
def client(promo_engine: Engine) -> Iterator[TestClient]:
    """The app as a drop-in for the partner's host: the provider mounted at "/"."""
    with TestClient(create_app(promo_engine, mounts={"promo": "/"})) as test_client:
        yield test_client


@pytest.fixture
def start_server(ve_server):
    """A real server process (the test kit's) serving the provider at "/", as a deployment
    serving a partner's POS clients runs it, on the real clock."""

    def start(url: str, *, workers: int = 1):
        return ve_server(url, plugins=[voucher_engine_promo], mounts={"promo": "/"}, clock=None, workers=workers)

    return start
