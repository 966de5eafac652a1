"""Races on the money operations, on SQLite and PostgreSQL, with real threads released together
(``harness.race``) and exact outcomes: replacing holds, refunds of one charge, redeem
everything, hold against hold, release against capture and against release, reverse against
reverse. Each guard was checked by turning it into read-then-write in the engine itself and
watching the test here fail (see docs/invariants.md)."""

from __future__ import annotations

import pytest
from harness import TENANT, race

from voucher_engine import Engine, EntryKind, HoldResult, HoldState, Money, State, VoucherKind, VoucherSpec, replay
from voucher_engine.errors import HoldNotPending, InsufficientFunds, InvalidAmount, NothingToRedeem

WORKERS = 16


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def _voucher(engine: Engine, value: str = "100.00") -> str:
    return engine.issue(TENANT, VoucherSpec(VoucherKind.MONETARY, eur(value))).code


def _assert_balanced(engine: Engine, code: str):
    stored = engine.get_voucher(TENANT, code=code)
    entries = engine.ledger(TENANT, code=code)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1)) and stored.seq == len(entries)
    totals = replay(entries)
    assert (totals.available, totals.held) == (stored.available, stored.held)
    return stored, entries


def _pending_holds(engine: Engine, entries) -> list:
    hold_ids = {e.hold_id for e in entries if e.kind is EntryKind.HOLD}
    return [h for h in (engine.get_hold(TENANT, i) for i in hold_ids) if h.state is HoldState.PENDING]


def test_16_replacing_holds_leave_exactly_one_pending_hold(engine):
    code = _voucher(engine)

    outcome = race(WORKERS, lambda i: engine.hold(TENANT, code=code, amount=eur(f"{i + 1}.00"), replace=True))

    assert outcome.errors == []
    stored, entries = _assert_balanced(engine, code)
    pending = _pending_holds(engine, entries)
    assert len(pending) == 1
    assert stored.held == pending[0].amount
    assert stored.available == 10_000 - pending[0].amount
    # Every hold but the last one committed was released by the next one, exactly once.
    released = [h for r in outcome.results for h in r.released]
    assert sorted(released) == sorted(r.hold_id for r in outcome.results if r.hold_id != pending[0].id)
    assert sum(e.kind is EntryKind.RELEASE for e in entries) == WORKERS - 1


def test_parallel_refunds_of_one_charge_never_sum_above_it(engine):
    code = _voucher(engine)
    charge = engine.redeem(TENANT, code=code, amount=eur("40.00"))
    # A second charge: over-refunding the first would still fit under the voucher's initial
    # value, so only the refund guard (not the balance CHECK constraint) can stop it.
    engine.redeem(TENANT, code=code, amount=eur("40.00"))

    outcome = race(WORKERS, lambda _i: engine.reverse(TENANT, entry_id=charge.entry_id, amount=eur("5.00")))

    assert [type(e) for e in outcome.errors] == [InvalidAmount] * (WORKERS - 8)
    assert len(outcome.results) == 8 and sum(m.amount for m in outcome.results) == 4000
    stored, entries = _assert_balanced(engine, code)
    given_back = sum(e.available_delta for e in entries if e.kind is EntryKind.REVERSE and e.reverses_seq == charge.seq)
    assert given_back == 4000 == charge.amount
    assert stored.available == 6000


def test_16_reverses_of_one_redemption_have_exactly_one_winner(engine):
    code = _voucher(engine)
    spent = engine.redeem(TENANT, code=code, amount=eur("25.00"))

    outcome = race(WORKERS, lambda _i: engine.reverse(TENANT, code=code, seq=spent.seq))

    assert len(outcome.results) == 1 and outcome.results[0].amount == 2500
    assert [type(e) for e in outcome.errors] == [InvalidAmount] * (WORKERS - 1)
    stored, _ = _assert_balanced(engine, code)
    assert stored.available == 10_000


def test_16_redeem_all_calls_exactly_one_takes_the_remainder(engine):
    code = _voucher(engine)
    engine.redeem(TENANT, code=code, amount=eur("33.33"))

    outcome = race(WORKERS, lambda _i: engine.redeem_all(TENANT, code=code))

    assert [m.amount for m in outcome.results] == [6667]
    assert [type(e) for e in outcome.errors] == [NothingToRedeem] * (WORKERS - 1)
    stored, entries = _assert_balanced(engine, code)
    assert (stored.available, stored.state) == (0, State.REDEEMED)
    assert sum(e.spent for e in entries) == 10_000


def test_holds_against_holds_never_hold_more_than_the_balance(engine):
    code = _voucher(engine)

    outcome = race(WORKERS, lambda _i: engine.hold(TENANT, code=code, amount=eur("10.00")))

    assert len(outcome.results) == 10
    assert [type(e) for e in outcome.errors] == [InsufficientFunds] * (WORKERS - 10)
    stored, entries = _assert_balanced(engine, code)
    assert sum(h.amount for h in outcome.results) == stored.held == 10_000
    assert len(_pending_holds(engine, entries)) == 10 and stored.available == 0


def test_16_releases_of_one_hold_have_exactly_one_winner(engine):
    code = _voucher(engine)
    hold = engine.hold(TENANT, code=code, amount=eur("30.00"))

    outcome = race(WORKERS, lambda _i: engine.release(TENANT, hold.hold_id))

    assert len(outcome.results) == 1
    assert [type(e) for e in outcome.errors] == [HoldNotPending] * (WORKERS - 1)
    stored, entries = _assert_balanced(engine, code)
    assert (stored.available, stored.held) == (10_000, 0)
    assert sum(e.kind is EntryKind.RELEASE for e in entries) == 1


@pytest.mark.parametrize("rounds", [8])
def test_release_against_capture_has_exactly_one_winner_every_round(engine, rounds):
    code = _voucher(engine)
    captured = 0
    for _ in range(rounds):
        hold = engine.hold(TENANT, code=code, amount=eur("5.00"))
        contenders = [lambda: engine.capture(TENANT, hold.hold_id), lambda: engine.release(TENANT, hold.hold_id)]
        outcome = race(2, lambda i: contenders[i]())
        assert len(outcome.results) == 1 and [type(e) for e in outcome.errors] == [HoldNotPending]
        winner: HoldResult = outcome.results[0]
        assert engine.get_hold(TENANT, hold.hold_id).state is winner.state
        captured += winner.captured
    stored, entries = _assert_balanced(engine, code)
    assert (stored.available, stored.held) == (10_000 - captured, 0)
    settled = [e for e in entries if e.kind in (EntryKind.CAPTURE, EntryKind.RELEASE)]
    assert len(settled) == rounds
