"""Fixtures of the JTL provider's tests, on the test kit's (``voucher_engine.testing``): every
test runs on SQLite and PostgreSQL (``ve_database_url``), with the provider as the only plugin
(``ve_plugins``) and the kit's shared clock standing at the seed's instant (``ve_clock``), which
servers started by ``ve_server`` follow too. Helpers live in ``jtl_support``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from jtl_support import NOW, OTHER_TENANT, TENANT, Client, issue, new_client, with_fast_identity
from litestar.testing import TestClient

import voucher_engine_jtl
from voucher_engine import Engine
from voucher_engine.testing import Server, SharedClock


@pytest.fixture
def ve_plugins() -> list:
    return [voucher_engine_jtl]


@pytest.fixture
def ve_clock(tmp_path: Path) -> SharedClock:
    """The kit's clock, at the seed's ``created_at``."""
    return SharedClock(tmp_path / "ve-clock", NOW)


@pytest.fixture
def jtl_engine(ve_engine: Engine) -> Engine:
    """Tenant "shop" with the seed's voucher (code and PIN "test", 50.00 EUR), and another
    tenant whose client must never reach it."""
    with_fast_identity(ve_engine)
    ve_engine.create_tenant(TENANT)
    ve_engine.create_tenant(OTHER_TENANT)
    issue(ve_engine, "test", pin="test")
    return ve_engine


@pytest.fixture
def shop(jtl_engine: Engine) -> Client:
    """A JTL client of the shop with every JTL scope."""
    return new_client(jtl_engine)


@pytest.fixture
def client(jtl_engine: Engine, ve_client: Callable[..., TestClient]) -> TestClient:
    """The app in this process as a drop-in for JTL's host: the provider mounted at "/"."""
    return ve_client(mounts={"jtl": "/"})


@pytest.fixture
def jtl_server(jtl_engine: Engine, ve_server: Callable[..., Server]) -> Callable[[], Server]:
    """A real server process on ``jtl_engine``'s database and clock, JTL mounted at "/"."""
    return lambda: ve_server(mounts={"jtl": "/"})
