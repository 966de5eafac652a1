"""Fixtures of the JTL provider's tests (helpers live in ``jtl_support``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dbsupport import fresh_database_url
from jtl_support import NOW, OTHER_TENANT, TENANT, Client, Uvicorn, issue, new_client, open_jtl_engine
from litestar.testing import TestClient

from voucher_engine import Engine, ManualClock
from voucher_engine_litestar import create_app


@pytest.fixture
def jtl_clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def jtl_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of each backend, already migrated."""
    yield from fresh_database_url(backend, tmp_path, migrated=True)


@pytest.fixture
def jtl_engine(jtl_url: str, jtl_clock: ManualClock) -> Iterator[Engine]:
    """Tenant "shop" with the seed's voucher (code and PIN "test", 50.00 EUR), and another
    tenant whose client must never reach it."""
    engine = open_jtl_engine(jtl_url, jtl_clock)
    engine.create_tenant(TENANT)
    engine.create_tenant(OTHER_TENANT)
    issue(engine, "test", pin="test")
    yield engine
    engine.close()


@pytest.fixture
def shop(jtl_engine: Engine) -> Client:
    """A JTL client of the shop with every JTL scope."""
    return new_client(jtl_engine)


@pytest.fixture
def client(jtl_engine: Engine) -> Iterator[TestClient]:
    """The app as a drop-in for JTL's host: the provider mounted at "/"."""
    with TestClient(create_app(jtl_engine, mounts={"jtl": "/"})) as test_client:
        yield test_client


@pytest.fixture
def pg_jtl_url(tmp_path: Path) -> Iterator[str]:
    yield from fresh_database_url("postgresql", tmp_path, migrated=True)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator:
    servers: list[Uvicorn] = []

    def start(url: str) -> Uvicorn:
        server = Uvicorn(url, tmp_path / f"server-{len(servers)}.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
