"""Engines with the example gift-card provider, for the operational tests of the adapter."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from ops_support import load_giftcard

from dbsupport import fresh_database_url
from voucher_engine import Engine, EngineConfig, ManualClock, Money, VoucherKind, VoucherSpec
from voucher_engine.plugins import PluginSettings


def _giftcard_engine(url: str, clock: ManualClock) -> Engine:
    engine = Engine.open(
        url, clock=clock, random=random.Random(3), config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(load_giftcard(),)),
    )
    for tenant in ("acme", "globex"):
        engine.create_tenant(tenant)
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")), code="CARD-1")
    return engine


@pytest.fixture
def giftcard_engine(backend: str, tmp_path, clock: ManualClock) -> Iterator[Engine]:
    """On SQLite and on PostgreSQL: for what the database's figures decide."""
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
