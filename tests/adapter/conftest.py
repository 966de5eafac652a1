"""The example provider of docs/writing-a-provider.md, mounted in a real app on both backends."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest
from litestar.testing import TestClient

from voucher_engine import Engine, EngineConfig, Money, VoucherKind, VoucherSpec
from voucher_engine.plugins import PluginSettings
from voucher_engine_litestar import create_app

EXAMPLE = Path(__file__).resolve().parents[2] / "docs/provider_example/giftcard.py"


def load_giftcard():
    if "giftcard" not in sys.modules:
        spec = importlib.util.spec_from_file_location("giftcard", EXAMPLE)
        module = importlib.util.module_from_spec(spec)
        sys.modules["giftcard"] = module
        spec.loader.exec_module(module)
    return sys.modules["giftcard"]


@pytest.fixture
def giftcard_engine(database_url, clock):
    eng = Engine.open(
        database_url, clock=clock, random=random.Random(3), config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(load_giftcard(),)),
    )
    for tenant in ("acme", "globex"):
        eng.create_tenant(tenant)
    eng.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")), code="CARD-1")
    eng.issue("globex", VoucherSpec(VoucherKind.MONETARY, Money.parse("80.00", "EUR")), code="GLOBEX-1")
    yield eng
    eng.close()


@pytest.fixture
def client(giftcard_engine):
    app = create_app(giftcard_engine, mounts={"giftcard": ["/giftcard", "/partner/v2"]})
    with TestClient(app) as test_client:
        yield test_client

