"""Helpers for the engine's functional tests (the `engine` and `clock` fixtures come from
tests/conftest.py and run every test on SQLite and on PostgreSQL)."""

from __future__ import annotations

import pytest
from hot_commands import HotCommands

from voucher_engine import Engine, Voucher, replay


@pytest.fixture
def balanced(engine):
    """Assert the ledger invariants of one voucher and return it as stored.

    Stored (available, held) equals the replay of the entries, and entries are numbered
    1..n without a gap, the last one being the voucher's own ``seq``.
    """

    def check(tenant_id: str = "acme", *, code: str | None = None, voucher_id: str | None = None) -> Voucher:
        stored = engine.get_voucher(tenant_id, code=code, voucher_id=voucher_id)
        entries = engine.ledger(tenant_id, code=code, voucher_id=voucher_id)
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        assert stored.seq == len(entries)
        totals = replay(entries)
        assert (totals.available, totals.held) == (stored.available, stored.held)
        assert stored.available + stored.held <= stored.initial
        return stored

    return check


@pytest.fixture
def snapshot(engine):
    """Everything a refused command must leave untouched: a voucher's row, ledger, and the
    tenant's outbox."""

    def take(tenant_id: str = "acme", *, code: str) -> tuple:
        return (engine.get_voucher(tenant_id, code=code), engine.ledger(tenant_id, code=code), engine.events(tenant_id))

    return take


@pytest.fixture
def hot_commands(engine: Engine) -> HotCommands:
    return HotCommands.on(engine)
