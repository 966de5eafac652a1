"""Fixtures of the admin API tests: the real app (the admin plugin found through its entry
point) on both backends, and an admin token per tenant."""

from __future__ import annotations

import pytest
from admin_support import admin_headers, configure_cheaply
from litestar.testing import TestClient

from voucher_engine_litestar import create_app


@pytest.fixture
def http(engine):
    configure_cheaply(engine)
    with TestClient(create_app(engine)) as client:
        yield client


@pytest.fixture
def acme(http, engine) -> dict[str, str]:
    """Headers with an ``admin`` token of tenant acme."""
    return admin_headers(http, engine, "acme")


@pytest.fixture
def globex(http, engine) -> dict[str, str]:
    return admin_headers(http, engine, "globex")
