"""Fixtures of the VoucherCart provider's tests (helpers live in ``vouchercart_support``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from vouchercart_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    NOW,
    add_domains,
    add_staff,
    administrator,
    open_vouchercart_engine,
)

from dbsupport import fresh_database_url
from voucher_engine import Engine, ManualClock
from voucher_engine_litestar import create_app


@pytest.fixture
def vc_clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def vc_url(backend: str, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database_url(backend, tmp_path, migrated=True)


@pytest.fixture
def vc_engine(vc_url: str, vc_clock: ManualClock) -> Iterator[Engine]:
    """Tenant acme with domains 1, 2 and 8, and an administrator of all three."""
    engine = open_vouchercart_engine(vc_url, vc_clock)
    add_domains(engine)
    add_staff(engine, ADMIN_EMAIL, ADMIN_PASSWORD, administrator())
    yield engine
    engine.close()


@pytest.fixture
def client(vc_engine: Engine) -> Iterator[TestClient]:
    """The app as a drop-in for api.vouchercart.com: the provider mounted at "/"."""
    with TestClient(create_app(vc_engine, mounts={"vouchercart": "/"})) as test_client:
        yield test_client
