"""The same idempotency key retried in parallel: one effect, and every caller either gets
that effect's result or is told the first request is still running (design.md 3.7)."""

from __future__ import annotations

from broken import check_then_act_idempotent_redeem
from harness import TENANT, retry_race

from voucher_engine import Money, VoucherKind, VoucherSpec, replay
from voucher_engine.domain.ledger import Balance
from voucher_engine.errors import IdempotencyKeyInUse

TEN_EUR = Money.parse("10.00", "EUR")


def test_same_key_retried_by_16_threads_has_one_effect(engine, backend):
    voucher = engine.issue(TENANT, VoucherSpec(VoucherKind.MONETARY, Money.parse("100.00", "EUR")))

    race = retry_race(engine, voucher.code, TEN_EUR, "order-42", workers=16)

    movements, errors = race.outcome.results, race.outcome.errors
    assert race.effects == 1
    assert race.voucher.available == 9_000
    assert replay(race.ledger) == Balance(9_000, 0)
    assert len(movements) + len(errors) == 16
    assert len(movements) >= 1
    assert set(movements) == {movements[0]}  # every caller saw the identical result
    assert movements[0].amount == 1_000 and movements[0].available == 9_000
    if backend == "sqlite":
        # Writers are serialised: each retry starts after the first committed, finds its key.
        assert errors == []
    else:
        # A retry that overlaps the first is told so instead of waiting for it.
        assert {type(e) for e in errors} <= {IdempotencyKeyInUse}


def test_harness_detects_check_then_act_idempotency(engine):
    voucher = engine.issue(TENANT, VoucherSpec(VoucherKind.MONETARY, Money.parse("100.00", "EUR")))

    race = retry_race(engine, voucher.code, TEN_EUR, "order-42", workers=16, redeem=check_then_act_idempotent_redeem)

    assert race.effects > 1
    assert race.voucher.available < 9_000
