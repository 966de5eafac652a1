"""Many threads spending one voucher at once: the database, not a read in Python, decides
who gets the money, so nobody spends what is not there (design.md 3.2)."""

from __future__ import annotations

from broken import read_then_write_redeem
from harness import TENANT, redeem_race

from voucher_engine import Money, State, VoucherKind, VoucherSpec
from voucher_engine.domain.ledger import Balance, EntryKind
from voucher_engine.errors import IllegalTransition

TEN_EUR = Money.parse("10.00", "EUR")


def _single_use(engine):
    return engine.issue(TENANT, VoucherSpec(VoucherKind.SINGLE_USE))


def _hundred_eur(engine):
    return engine.issue(TENANT, VoucherSpec(VoucherKind.MONETARY, Money.parse("100.00", "EUR")))


def test_64_threads_redeem_one_single_use_voucher_exactly_once(engine):
    voucher = _single_use(engine)

    report = redeem_race(engine, voucher.code, None, workers=64)

    assert report.violations(expected_winners=1) == []
    assert len(report.winners) == 1 and len(report.refusals) == 63
    # Every loser finds the voucher used up: it is the state, not the balance, that refuses.
    assert report.refusal_types == {IllegalTransition}
    assert {e.details["state"] for e in report.refusals} == {State.REDEEMED.value}
    assert [e.kind for e in report.ledger] == [EntryKind.ISSUE, EntryKind.REDEEM]
    assert report.replayed == Balance(report.voucher.available, report.voucher.held) == Balance(0, 0)
    assert report.voucher.state is State.REDEEMED


def test_64_threads_spending_10_eur_of_100_eur_exactly_ten_succeed(engine):
    voucher = _hundred_eur(engine)

    report = redeem_race(engine, voucher.code, TEN_EUR, workers=64)

    assert report.violations(expected_winners=10) == []
    assert len(report.winners) == 10 and len(report.refusals) == 54
    # The balance runs out only at a multiple of 10.00, i.e. at 0, where the voucher is
    # REDEEMED: a refused spender is always told so, never "insufficient funds".
    assert report.refusal_types == {IllegalTransition}
    assert sum(m.amount for m in report.winners) == 10_000
    assert sorted(m.seq for m in report.winners) == list(range(2, 12))
    assert [e.seq for e in report.ledger] == list(range(1, 12))
    assert report.voucher.available == 0 and report.voucher.held == 0
    assert report.voucher.state is State.REDEEMED
    assert report.replayed == Balance(0, 0)


# --- the harness is sensitive: the same races against a read-then-write redeem --------------


def test_harness_detects_read_then_write_redeem_of_single_use_voucher(engine):
    voucher = _single_use(engine)

    report = redeem_race(engine, voucher.code, None, workers=64, redeem=read_then_write_redeem)

    found = report.violations(expected_winners=1)
    assert len(report.winners) > 1, found
    assert any(v.startswith("replay mismatch") for v in found)
    assert any(v.startswith("over-spent") for v in found)


def test_harness_detects_read_then_write_redeem_of_monetary_voucher(engine):
    voucher = _hundred_eur(engine)

    report = redeem_race(engine, voucher.code, TEN_EUR, workers=64, redeem=read_then_write_redeem)

    found = report.violations(expected_winners=10)
    assert len(report.winners) > 10, found
    assert sum(m.amount for m in report.winners) > 10_000
    assert any(v.startswith("replay mismatch") for v in found)
