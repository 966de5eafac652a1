"""The money operations of issue #10: replacing holds, captures with a reference and the entry
they wrote, refunds of a charge by entry id, redeem everything, redemption at a stated time.
Every test runs on SQLite and on PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from voucher_engine import EntryKind, HoldState, Money, State, VoucherKind, VoucherSpec, WindowSpec, replay
from voucher_engine.errors import (
    EntryNotFound,
    IllegalTransition,
    InsufficientFunds,
    InvalidAmount,
    InvalidRedemptionTime,
    NothingToRedeem,
    ValidationError,
    VoucherExpired,
)

K = VoucherKind


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def _hundred(engine, code: str = "M", **spec):
    return engine.issue("acme", VoucherSpec(K.MONETARY, eur("100.00"), **spec), code=code)


def _pending(engine, code: str) -> list:
    return [
        e.hold_id
        for e in engine.ledger("acme", code=code)
        if e.kind is EntryKind.HOLD and engine.get_hold("acme", e.hold_id).state is HoldState.PENDING
    ]


# --- reserve that replaces ------------------------------------------------------------------------


def test_a_replacing_hold_releases_every_pending_hold_and_holds_the_new_amount(engine, balanced):
    _hundred(engine)
    first = engine.hold("acme", code="M", amount=eur("30.00"), reference="basket-1")
    second = engine.hold("acme", code="M", amount=eur("20.00"))

    new = engine.hold("acme", code="M", amount=eur("90.00"), replace=True, reference="basket-2")

    assert new.released == tuple(sorted((first.hold_id, second.hold_id)))
    assert (new.amount, new.available, new.held, new.state) == (9000, 1000, 9000, HoldState.PENDING)
    assert (new.reference, new.currency, new.seq) == ("basket-2", "EUR", 6)
    assert engine.get_entry("acme", new.entry_id).kind is EntryKind.HOLD
    assert {engine.get_hold("acme", h).state for h in new.released} == {HoldState.RELEASED}
    assert _pending(engine, "M") == [new.hold_id]
    kinds = [e.kind for e in engine.ledger("acme", code="M")]
    assert kinds == [
        EntryKind.ISSUE,
        EntryKind.HOLD,
        EntryKind.HOLD,
        EntryKind.RELEASE,
        EntryKind.RELEASE,
        EntryKind.HOLD,
    ]
    assert sorted(e.subject_id for e in engine.events("acme", type="hold.released")) == list(new.released)
    stored = balanced(code="M")
    assert (stored.available, stored.held) == (1000, 9000)


def test_a_refused_replacing_hold_releases_nothing(engine, snapshot):
    _hundred(engine)
    engine.hold("acme", code="M", amount=eur("30.00"))
    before = snapshot(code="M")
    with pytest.raises(InsufficientFunds):
        engine.hold("acme", code="M", amount=eur("100.01"), replace=True)
    assert snapshot(code="M") == before


def test_replace_with_the_same_idempotency_key_returns_the_saved_result(engine, balanced):
    _hundred(engine)
    old = engine.hold("acme", code="M", amount=eur("30.00"))
    first = engine.hold("acme", code="M", amount=eur("40.00"), replace=True, idempotency_key="k-1")
    again = engine.hold("acme", code="M", amount=eur("40.00"), replace=True, idempotency_key="k-1")
    assert again == first and first.released == (old.hold_id,)
    assert _pending(engine, "M") == [first.hold_id]
    assert len(engine.ledger("acme", code="M")) == 4  # issue, hold, release, hold: no second effect
    assert balanced(code="M").held == 4000


def test_replace_on_a_voucher_without_holds_is_a_plain_hold(engine):
    _hundred(engine)
    new = engine.hold("acme", code="M", amount=eur("10.00"), replace=True)
    assert new.released == () and new.held == 1000


# --- capture with a reference; entries by id ----------------------------------------------------


def test_a_capture_stores_its_reference_on_the_capture_entry(engine, clock):
    _hundred(engine)
    hold = engine.hold("acme", code="M", amount=eur("40.00"), reference="basket-9")
    done = engine.capture("acme", hold.hold_id, amount=eur("25.00"), reference="order-1001")

    assert (done.seq, done.reference, done.currency, done.created_at) == (3, "order-1001", "EUR", clock.now())
    entry = engine.get_entry("acme", done.entry_id)
    assert (entry.id, entry.kind, entry.seq, entry.spent, entry.reference) == (
        done.entry_id,
        EntryKind.CAPTURE,
        3,
        2500,
        "order-1001",
    )
    assert (entry.held_delta, entry.available_delta, entry.hold_id) == (-4000, 1500, hold.hold_id)
    assert entry.at == entry.effective_at == clock.now()
    assert engine.redeem_history("acme", code="M")[0].reference == "order-1001"


def test_get_entry_answers_not_found_for_another_tenant_or_an_unknown_id(engine):
    _hundred(engine)
    issued = engine.ledger("acme", code="M")[0]
    assert engine.get_entry("acme", issued.id) == issued
    with pytest.raises(EntryNotFound):
        engine.get_entry("globex", issued.id)
    with pytest.raises(EntryNotFound):
        engine.get_entry("acme", issued.id + 1000)


# --- refunds of a charge -------------------------------------------------------------------------


def test_partial_refunds_of_a_charge_never_exceed_it_and_the_ledger_replays(engine, balanced, snapshot):
    _hundred(engine)

    def replayed() -> tuple[int, int]:
        stored = balanced(code="M")
        totals = replay(engine.ledger("acme", code="M"))
        assert (totals.available, totals.held) == (stored.available, stored.held)
        return stored.available, stored.held

    hold = engine.hold("acme", code="M", amount=eur("50.00"))
    assert replayed() == (5000, 5000)
    charge = engine.capture("acme", hold.hold_id, amount=eur("40.00"), reference="order-7")
    assert replayed() == (6000, 0)

    first = engine.reverse("acme", entry_id=charge.entry_id, amount=eur("10.00"), reference="refund-1")
    assert (first.amount, first.available, first.state, first.seq) == (1000, 7000, State.PARTIALLY_REDEEMED, 4)
    assert replayed() == (7000, 0)
    second = engine.reverse("acme", entry_id=charge.entry_id, amount=eur("15.00"))
    assert replayed() == (8500, 0)

    before = snapshot(code="M")
    with pytest.raises(InvalidAmount, match="at most 1500") as refused:
        engine.reverse("acme", entry_id=charge.entry_id, amount=eur("15.01"))
    assert refused.value.details["left"] == 1500
    assert snapshot(code="M") == before
    assert replayed() == (8500, 0)

    refund = engine.get_entry("acme", second.entry_id)
    assert (refund.kind, refund.available_delta) == (EntryKind.REVERSE, 1500)
    assert engine.get_entry("acme", first.entry_id).reference == "refund-1"
    # The rest, named the old way (voucher + seq), then nothing is left.
    assert engine.reverse("acme", code="M", seq=charge.seq).amount == 1500
    with pytest.raises(InvalidAmount, match="at most 0"):
        engine.reverse("acme", entry_id=charge.entry_id)
    assert replayed() == (10_000, 0)


def test_refund_by_entry_id_checks_the_entry_and_the_naming(engine, snapshot):
    _hundred(engine)
    _hundred(engine, code="OTHER")
    spent = engine.redeem("acme", code="M", amount=eur("10.00"))
    issue = engine.ledger("acme", code="M")[0]
    before = snapshot(code="M")
    with pytest.raises(EntryNotFound):
        engine.reverse("acme", entry_id=issue.id)  # an issue spent nothing
    with pytest.raises(EntryNotFound):
        engine.reverse("globex", entry_id=spent.entry_id)  # another tenant's entry
    with pytest.raises(EntryNotFound):
        engine.reverse("acme", entry_id=spent.entry_id, code="OTHER")  # not that voucher's
    with pytest.raises(ValidationError):
        engine.reverse("acme", entry_id=spent.entry_id, seq=spent.seq, code="M")
    with pytest.raises(ValidationError):
        engine.reverse("acme", seq=spent.seq)
    assert snapshot(code="M") == before
    back = engine.reverse("acme", entry_id=spent.entry_id, code="M")
    assert (back.amount, back.entry_id) == (1000, engine.ledger("acme", code="M")[-1].id)


# --- redeem everything -----------------------------------------------------------------------------


def test_redeem_all_takes_what_is_left_once(engine, balanced, snapshot):
    _hundred(engine)
    engine.redeem("acme", code="M", amount=eur("12.34"))
    everything = engine.redeem_all("acme", code="M", reference="order-2")
    assert (everything.amount, everything.available, everything.state) == (8766, 0, State.REDEEMED)
    assert engine.get_entry("acme", everything.entry_id).reference == "order-2"
    before = snapshot(code="M")
    with pytest.raises(NothingToRedeem) as refused:
        engine.redeem_all("acme", code="M")
    assert refused.value.code == "nothing_to_redeem"
    assert snapshot(code="M") == before
    assert balanced(code="M").available == 0


def test_redeem_all_of_a_multi_use_voucher_spends_every_use_and_leaves_holds_alone(engine, balanced):
    engine.issue("acme", VoucherSpec(K.MULTI_USE, 5), code="GYM")
    engine.hold("acme", code="GYM", amount=2)
    taken = engine.redeem_all("acme", code="GYM")
    assert (taken.amount, taken.available, taken.held, taken.state) == (3, 0, 2, State.PARTIALLY_REDEEMED)
    with pytest.raises(NothingToRedeem):  # what is held is not "left"
        engine.redeem_all("acme", code="GYM")
    assert balanced(code="GYM").held == 2


def test_redeem_all_keeps_the_voucher_rules(engine, clock, snapshot):
    engine.issue("acme", VoucherSpec(K.SINGLE_USE), code="S")
    engine.cancel("acme", code="S")
    with pytest.raises(IllegalTransition):
        engine.redeem_all("acme", code="S")
    _hundred(engine, validity=(WindowSpec(days_after_issue=1),))
    clock.advance(timedelta(days=2))
    before = snapshot(code="M")
    with pytest.raises(VoucherExpired):
        engine.redeem_all("acme", code="M")
    assert snapshot(code="M") == before


# --- redemption at a stated time --------------------------------------------------------------------


def test_a_stated_time_is_recorded_beside_the_time_written(engine, clock, balanced):
    _hundred(engine, validity=(WindowSpec(days_after_issue=10),))
    purchase = clock.now() + timedelta(days=9)
    clock.advance(timedelta(days=12))  # past the end of the window, not swept yet

    late = engine.redeem("acme", code="M", amount=eur("30.00"), at=purchase)
    assert (late.at, late.effective_at, late.state) == (clock.now(), purchase, State.PARTIALLY_REDEEMED)
    entry = engine.get_entry("acme", late.entry_id)
    assert (entry.at, entry.effective_at, entry.spent) == (clock.now(), purchase, 3000)
    line = engine.redeem_history("acme", code="M")[0]
    assert (line.at, line.effective_at) == (clock.now(), purchase)
    event = engine.events("acme", type="voucher.redeemed")[-1]
    assert event.payload["effective_at"] == purchase.isoformat()
    with pytest.raises(VoucherExpired):  # without a stated time the window has ended
        engine.redeem("acme", code="M", amount=eur("1.00"))
    balanced(code="M")


def test_a_stated_time_in_the_future_or_outside_the_window_is_refused(engine, clock, snapshot):
    issued_at = clock.now()
    _hundred(engine, validity=(WindowSpec(start=issued_at + timedelta(days=1), days_after_issue=10),))
    clock.advance(timedelta(days=5))
    before = snapshot(code="M")
    for at in (clock.now() + timedelta(seconds=1), issued_at + timedelta(hours=1), issued_at + timedelta(days=10)):
        with pytest.raises(InvalidRedemptionTime):
            engine.redeem("acme", code="M", amount=eur("1.00"), at=at)
        with pytest.raises(InvalidRedemptionTime):
            engine.redeem_all("acme", code="M", at=at)
    with pytest.raises(ValidationError):
        engine.redeem("acme", code="M", amount=eur("1.00"), at=clock.now().replace(tzinfo=None))
    assert snapshot(code="M") == before


def test_an_expired_voucher_is_redeemed_at_a_time_inside_its_window(engine, clock, balanced):
    _hundred(engine, validity=(WindowSpec(days_after_issue=10),))
    engine.redeem("acme", code="M", amount=eur("20.00"))
    purchase = clock.now() + timedelta(days=8)
    clock.advance(timedelta(days=11))
    assert engine.expire_due_vouchers() == 1
    assert engine.get_voucher("acme", code="M").state is State.EXPIRED

    late = engine.redeem("acme", code="M", amount=eur("30.00"), at=purchase)
    assert (late.amount, late.available, late.state, late.effective_at) == (
        3000,
        5000,
        State.PARTIALLY_REDEEMED,
        purchase,
    )
    kinds = [e.kind for e in engine.ledger("acme", code="M")]
    assert kinds == [EntryKind.ISSUE, EntryKind.REDEEM, EntryKind.FORFEIT, EntryKind.REINSTATE, EntryKind.REDEEM]
    reinstate = engine.ledger("acme", code="M")[3]
    assert (reinstate.available_delta, reinstate.effective_at) == (8000, purchase)
    balanced(code="M")

    # The sweep expires the rest again; redeem everything at the stated time takes it.
    assert engine.expire_due_vouchers() == 1
    rest = engine.redeem_all("acme", code="M", at=purchase)
    assert (rest.amount, rest.available, rest.state) == (5000, 0, State.REDEEMED)
    assert balanced(code="M").available == 0
    assert sum(e.spent for e in engine.ledger("acme", code="M")) == 10_000


def test_a_late_redemption_is_refused_for_cancelled_vouchers_and_beyond_the_forfeit(engine, clock, snapshot):
    _hundred(engine, code="C", validity=(WindowSpec(days_after_issue=10),))
    _hundred(engine, code="E", validity=(WindowSpec(days_after_issue=10),))
    at = clock.now() + timedelta(days=1)
    engine.cancel("acme", code="C")
    clock.advance(timedelta(days=11))
    engine.expire_due_vouchers()
    with pytest.raises(IllegalTransition):
        engine.redeem("acme", code="C", amount=eur("1.00"), at=at)
    before = snapshot(code="E")
    with pytest.raises(InsufficientFunds):
        engine.redeem("acme", code="E", amount=eur("100.01"), at=at)
    with pytest.raises(VoucherExpired):
        engine.redeem("acme", code="E", amount=eur("1.00"))  # no stated time: still expired
    assert snapshot(code="E") == before
