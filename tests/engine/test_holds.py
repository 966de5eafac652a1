from datetime import timedelta

import pytest

from voucher_engine import EntryKind, HoldState, Money, State, VoucherKind, VoucherSpec
from voucher_engine.errors import (
    CurrencyMismatch,
    HoldExpired,
    HoldNotFound,
    HoldNotPending,
    InsufficientFunds,
    InvalidAmount,
    ValidationError,
)

K = VoucherKind


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_capture_all_or_part_and_release(engine, clock, balanced, snapshot):
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("100.00")), code="H")
    held = engine.hold("acme", code="H", amount=eur("30.00"), reference="basket-1")
    assert (held.amount, held.captured, held.state, held.available, held.held, held.voucher_state) == (
        3000,
        0,
        HoldState.PENDING,
        7000,
        3000,
        State.AVAILABLE,
    )
    assert held.expires_at == clock.now() + timedelta(minutes=15)

    before = snapshot(code="H")
    with pytest.raises(InsufficientFunds):
        engine.hold("acme", code="H", amount=eur("70.01"))
    with pytest.raises(InvalidAmount):
        engine.capture("acme", held.hold_id, amount=eur("30.01"))
    with pytest.raises(CurrencyMismatch):
        engine.capture("acme", held.hold_id, amount=Money(1000, "USD"))
    assert snapshot(code="H") == before

    partial = engine.capture("acme", held.hold_id, amount=eur("10.00"))
    assert (partial.captured, partial.state, partial.available, partial.held, partial.voucher_state) == (
        1000,
        HoldState.CAPTURED,
        9000,
        0,
        State.PARTIALLY_REDEEMED,
    )
    stored_hold = engine.get_hold("acme", held.hold_id)
    assert (stored_hold.state, stored_hold.captured, stored_hold.resolved_at) == (HoldState.CAPTURED, 1000, clock.now())

    full = engine.capture("acme", engine.hold("acme", code="H", amount=eur("20.00")).hold_id)
    assert (full.captured, full.available, full.held) == (2000, 7000, 0)
    released = engine.release("acme", engine.hold("acme", code="H", amount=eur("70.00")).hold_id)
    assert (released.state, released.captured, released.available, released.held, released.voucher_state) == (
        HoldState.RELEASED,
        0,
        7000,
        0,
        State.PARTIALLY_REDEEMED,
    )

    balanced(code="H")
    assert [(e.kind, e.available_delta, e.held_delta, e.spent) for e in engine.ledger("acme", code="H")] == [
        (EntryKind.ISSUE, 10000, 0, 0),
        (EntryKind.HOLD, -3000, 3000, 0),
        (EntryKind.CAPTURE, 2000, -3000, 1000),
        (EntryKind.HOLD, -2000, 2000, 0),
        (EntryKind.CAPTURE, 0, -2000, 2000),
        (EntryKind.HOLD, -7000, 7000, 0),
        (EntryKind.RELEASE, 7000, -7000, 0),
    ]
    types = [e.type for e in engine.events("acme") if e.type.startswith("hold.")]
    assert types == ["hold.created", "hold.captured", "hold.created", "hold.captured", "hold.created", "hold.released"]
    captured = engine.events("acme", type="hold.captured")[0].payload
    assert (captured["amount"], captured["captured"], captured["released"]) == (3000, 1000, 2000)

    engine.issue("acme", VoucherSpec(K.SINGLE_USE), code="ONE")
    use = engine.capture("acme", engine.hold("acme", code="ONE").hold_id)
    assert (use.captured, use.available, use.voucher_state) == (1, 0, State.REDEEMED)
    balanced(code="ONE")


def test_a_hold_resolves_once_and_expires_by_the_clock(engine, clock, balanced):
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("100.00")), code="X")
    late = engine.hold("acme", code="X", amount=eur("10.00"), ttl=timedelta(minutes=10))
    twice = engine.hold("acme", code="X", amount=eur("5.00"))
    engine.capture("acme", twice.hold_id)
    with pytest.raises(HoldNotPending):
        engine.capture("acme", twice.hold_id)
    with pytest.raises(HoldNotPending):
        engine.release("acme", twice.hold_id)
    with pytest.raises(HoldNotFound):
        engine.release("acme", "hld_missing")

    assert engine.expire_due_holds() == 0
    clock.advance(timedelta(minutes=10))
    with pytest.raises(HoldExpired):
        engine.capture("acme", late.hold_id)
    still = engine.get_voucher("acme", code="X")
    assert (still.available, still.held) == (8500, 1000)  # held until the sweep resolves it

    assert engine.expire_due_holds() == 1
    assert engine.expire_due_holds() == 0
    expired = engine.get_hold("acme", late.hold_id)
    assert (expired.state, expired.captured, expired.resolved_at) == (HoldState.EXPIRED, 0, clock.now())
    with pytest.raises(HoldNotPending):
        engine.capture("acme", late.hold_id)
    stored = balanced(code="X")
    assert (stored.available, stored.held) == (9500, 0)
    assert engine.ledger("acme", code="X")[-1].kind is EntryKind.EXPIRE_HOLD
    [event] = engine.events("acme", type="hold.expired")
    assert (event.subject_id, event.payload["released"]) == (late.hold_id, 1000)

    with pytest.raises(ValidationError):
        engine.hold("acme", code="X", amount=eur("1.00"), ttl=timedelta(days=7, seconds=1))
    longest = engine.hold("acme", code="X", amount=eur("1.00"), ttl=timedelta(days=7))
    assert longest.expires_at == clock.now() + timedelta(days=7)
    assert len(engine.events("acme", type="hold.created")) == 3
