from datetime import timedelta

import pytest

from voucher_engine import Money, State, VoucherKind, VoucherSpec
from voucher_engine.errors import IllegalTransition, LockPeriodOutOfRange, NotLocked, VoucherLocked

K = VoucherKind


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_lock_without_a_code_blocks_until_it_runs_out(engine, clock, balanced, snapshot):
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("20.00")), code="L")
    for seconds in (119, 3601):
        with pytest.raises(LockPeriodOutOfRange):
            engine.lock("acme", code="L", period=timedelta(seconds=seconds))
    with pytest.raises(NotLocked):
        engine.unlock("acme", code="L")

    locked = engine.lock("acme", code="L", holder="user-7")
    assert locked.locked_until == clock.now() + timedelta(seconds=300)  # the default period
    assert engine.get_voucher("acme", code="L").locked_until == locked.locked_until
    before = snapshot(code="L")
    for locking_code in (None, "any-basket"):
        with pytest.raises(VoucherLocked):
            engine.redeem("acme", code="L", amount=eur("1.00"), locking_code=locking_code)
    with pytest.raises(VoucherLocked):
        engine.hold("acme", code="L", amount=eur("1.00"))
    with pytest.raises(VoucherLocked):
        engine.lock("acme", code="L")
    assert snapshot(code="L") == before

    clock.advance(299)
    with pytest.raises(VoucherLocked):
        engine.redeem("acme", code="L", amount=eur("1.00"))
    clock.advance(1)
    assert engine.redeem("acme", code="L", amount=eur("1.00")).available == 1900
    with pytest.raises(NotLocked):
        engine.unlock("acme", code="L")

    relocked = engine.lock("acme", code="L", period=timedelta(seconds=3600))
    assert relocked.locked_until == clock.now() + timedelta(hours=1)
    [first, second] = engine.events("acme", type="voucher.locked")
    assert (first.payload["holder"], second.payload["locked_until"]) == ("user-7", relocked.locked_until.isoformat())
    balanced(code="L")


def test_lock_bound_to_a_locking_code(engine, clock, balanced):
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("20.00")), code="B")
    engine.lock("acme", code="B", period=timedelta(seconds=120), locking_code="basket-1")
    for locking_code in (None, "basket-2"):
        with pytest.raises(VoucherLocked):
            engine.redeem("acme", code="B", amount=eur("1.00"), locking_code=locking_code)
    assert engine.redeem("acme", code="B", amount=eur("1.00"), locking_code="basket-1").available == 1900
    held = engine.hold("acme", code="B", amount=eur("2.00"), locking_code="basket-1")
    assert held.available == 1700

    with pytest.raises(VoucherLocked):
        engine.unlock("acme", code="B", locking_code="basket-2")
    with pytest.raises(VoucherLocked):
        engine.unlock("acme", code="B")
    unlocked = engine.unlock("acme", code="B", locking_code="basket-1")
    assert (unlocked.locked_until, unlocked.lock_code_hash) == (None, None)
    assert engine.get_voucher("acme", code="B").locked_until is None
    assert engine.redeem("acme", code="B", amount=eur("17.00")).state is State.PARTIALLY_REDEEMED  # 2.00 still held
    assert [e.type for e in engine.events("acme") if e.type.startswith("voucher.") and "lock" in e.type] == [
        "voucher.locked",
        "voucher.unlocked",
    ]

    engine.capture("acme", held.hold_id)
    assert balanced(code="B").state is State.REDEEMED
    with pytest.raises(IllegalTransition):
        engine.lock("acme", code="B")
