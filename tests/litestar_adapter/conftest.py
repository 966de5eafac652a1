"""Engines with the example gift-card provider of docs/writing-a-provider.md, for the tests of
the Litestar adapter (mounting, operations, the served app)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from litestar_support import load_giftcard

from dbsupport import fresh_database_url
from voucher_engine import Engine, EngineConfig, ManualClock, Money, VoucherKind, VoucherSpec
from voucher_engine.plugins import PluginSettings
from voucher_engine_litestar import create_app


def _giftcard_engine(url: str, clock: ManualClock) -> Engine:
    engine = Engine.open(
        url,
        clock=clock,
        random=random.Random(3),
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(load_giftcard(),)),
    )
    for tenant in ("acme", "globex"):
        engine.create_tenant(tenant)
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")), code="CARD-1")
    return engine


@pytest.fixture
def giftcard_engine(database_url: str, clock: ManualClock) -> Iterator[Engine]:
    """Both backends; acme holds CARD-1 (50.00 EUR) and globex GLOBEX-1 (80.00 EUR)."""
    engine = _giftcard_engine(database_url, clock)
    engine.issue("globex", VoucherSpec(VoucherKind.MONETARY, Money.parse("80.00", "EUR")), code="GLOBEX-1")
    yield engine
    engine.close()


@pytest.fixture
def client(giftcard_engine: Engine) -> Iterator[TestClient]:
    app = create_app(giftcard_engine, mounts={"giftcard": ["/giftcard", "/partner/v2"]})
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def one_card_engine(backend: str, tmp_path, clock: ManualClock) -> Iterator[Engine]:
    """Both backends, for what the database's figures decide: acme's CARD-1 is the only voucher."""
    for url in fresh_database_url(backend, tmp_path, migrated=True):
        engine = _giftcard_engine(url, clock)
        yield engine
        engine.close()


@pytest.fixture
def sqlite_engine(tmp_path, clock: ManualClock) -> Iterator[Engine]:
    """One backend, for what never depends on the database (routing, counting, limiting)."""
    for url in fresh_database_url("sqlite", tmp_path, migrated=True):
        engine = _giftcard_engine(url, clock)
        yield engine
        engine.close()
