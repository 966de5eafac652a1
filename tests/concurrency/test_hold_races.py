"""Capture racing expiry of one hold: the hold is settled by exactly one of them, and the
voucher's money is counted exactly once either way (design.md 3.4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from broken import read_then_write_capture
from harness import TENANT, capture_expiry_race

from voucher_engine import Engine, EngineConfig, ManualClock, Money, VoucherKind, VoucherSpec
from voucher_engine.domain.ledger import Balance

TTL = timedelta(minutes=10)
ROUNDS = 30
ONE_EUR = Money.parse("1.00", "EUR")


@pytest.fixture
def two_clocks(database_url):
    """Two engines on one database: one lives before the holds expire, one after."""
    before = ManualClock()
    after = ManualClock(before.now() + TTL + timedelta(seconds=1))
    capturer = Engine.open(database_url, clock=before, config=EngineConfig(auto_migrate=True))
    capturer.create_tenant(TENANT)
    expirer = Engine.open(database_url, clock=after, config=EngineConfig(auto_migrate=False))
    yield capturer, expirer
    expirer.close()
    capturer.close()


def test_capture_racing_expiry_has_exactly_one_winner_every_round(two_clocks):
    capturer, expirer = two_clocks
    voucher = capturer.issue(TENANT, VoucherSpec(VoucherKind.MONETARY, Money.parse("100.00", "EUR")))

    race = capture_expiry_race(capturer, expirer, voucher.code, ONE_EUR, rounds=ROUNDS, ttl=TTL)

    assert [r.unexpected for r in race.rounds] == [[]] * ROUNDS
    assert [r.winners for r in race.rounds] == [1] * ROUNDS
    assert [r.final_state for r in race.rounds] == ["captured" if r.capture_won else "expired" for r in race.rounds]
    captured = sum(r.capture_won for r in race.rounds)
    assert race.voucher.held == 0
    assert race.voucher.available == 10_000 - captured * 100
    assert race.replayed == Balance(race.voucher.available, race.voucher.held)
    assert len(race.ledger) == 1 + 2 * ROUNDS  # issue, then a hold and one settlement per round


def test_harness_detects_read_then_write_capture(two_clocks):
    capturer, expirer = two_clocks
    voucher = capturer.issue(TENANT, VoucherSpec(VoucherKind.MONETARY, Money.parse("100.00", "EUR")))

    race = capture_expiry_race(
        capturer, expirer, voucher.code, ONE_EUR, rounds=6, ttl=TTL, capture=read_then_write_capture
    )

    assert max(r.winners for r in race.rounds) == 2  # both settled one hold
    assert race.replayed != Balance(race.voucher.available, race.voucher.held)
