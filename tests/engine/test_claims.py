"""Claims with a holder check, claim-and-lock of several vouchers at once, forced unlock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from voucher_engine import Money, State, VoucherKind, VoucherRef, VoucherSpec
from voucher_engine.domain.hashing import fingerprint
from voucher_engine.errors import (
    HeldByAnother,
    IllegalTransition,
    LockPeriodOutOfRange,
    NotLocked,
    ValidationError,
    VoucherLocked,
    VoucherNotFound,
)

K = VoucherKind


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def _issue(engine, code: str, **spec) -> str:
    return engine.issue("acme", VoucherSpec(K.MONETARY, eur("20.00"), **spec), code=code).code


def _claims(engine) -> list[str]:
    return [e.payload["code"] for e in engine.events("acme", type="voucher.claimed")]


def test_claim_checks_the_holder_and_a_second_claim_changes_nothing(engine, snapshot):
    _issue(engine, "C")
    first = engine.claim("acme", code="C", holder="ann")
    assert (first.state, first.holder) == (State.CLAIMED, "ann")
    again = engine.claim("acme", code="C", holder="ann")
    assert again == engine.get_voucher("acme", code="C") == first
    assert _claims(engine) == ["C"]  # one event, not two

    before = snapshot(code="C")
    with pytest.raises(HeldByAnother) as refused:
        engine.claim("acme", code="C", holder="bob")
    assert refused.value.code == "voucher_held_by_another"
    assert snapshot(code="C") == before

    # Issued to a holder but not yet claimed: only that holder may claim it.
    engine.issue("acme", VoucherSpec(K.SINGLE_USE), code="GIFT", holder="ann")
    with pytest.raises(HeldByAnother):
        engine.claim("acme", code="GIFT", holder="bob")
    assert engine.claim("acme", code="GIFT", holder="ann").state is State.CLAIMED

    # The same holder's voucher, partly spent, is still theirs; a cancelled one is not claimable.
    engine.redeem("acme", code="C", amount=eur("5.00"))
    assert engine.claim("acme", code="C", holder="ann").state is State.PARTIALLY_REDEEMED
    _issue(engine, "GONE")
    engine.cancel("acme", code="GONE")
    with pytest.raises(IllegalTransition):
        engine.claim("acme", code="GONE", holder="ann")
    with pytest.raises(ValidationError):
        engine.claim("acme", code="C", holder="")
    with pytest.raises(VoucherNotFound):
        engine.claim("globex", code="C", holder="ann")
    assert _claims(engine) == ["C", "GIFT"]


def test_claim_vouchers_by_every_kind_of_ref_and_lock_them(engine, clock):
    a = engine.get_voucher("acme", code=_issue(engine, "A"))
    b = engine.get_voucher("acme", code=_issue(engine, "B", third_party_id="crm-b"))
    c = engine.get_voucher("acme", code=_issue(engine, "C"))
    d = engine.get_voucher("acme", code=_issue(engine, "D"))
    refs = [
        VoucherRef(code="A"),
        VoucherRef(third_party_id="crm-b"),
        VoucherRef(public_id=c.public_id),
        VoucherRef(voucher_id=d.id, code="D"),
        VoucherRef(code="A"),
    ]

    claimed = engine.claim_vouchers(
        "acme", holder="ann", vouchers=refs, lock=True, locking_code="basket-1", lock_period=timedelta(minutes=10)
    )

    assert [v.id for v in claimed] == [a.id, b.id, c.id, d.id, a.id]  # the order asked, repeats kept
    until = clock.now() + timedelta(minutes=10)
    for voucher in claimed:
        stored = engine.get_voucher("acme", voucher_id=voucher.id)
        assert stored == voucher
        assert (stored.holder, stored.state, stored.locked_until) == ("ann", State.CLAIMED, until)
        assert stored.lock_code_hash == fingerprint("basket-1")
    assert sorted(_claims(engine)) == ["A", "B", "C", "D"]
    assert len(engine.events("acme", type="voucher.locked")) == 4
    with pytest.raises(VoucherLocked):
        engine.redeem("acme", code="B", amount=eur("1.00"))
    assert engine.redeem("acme", code="B", amount=eur("1.00"), locking_code="basket-1").available == 1900

    # Without lock=True nothing is locked; the default period applies when none is given.
    _issue(engine, "E")
    [e] = engine.claim_vouchers("acme", holder="bob", vouchers=[VoucherRef(code="E")])
    assert (e.holder, e.locked_until) == ("bob", None)
    _issue(engine, "F")
    [f] = engine.claim_vouchers("acme", holder="bob", vouchers=[VoucherRef(code="F")], lock=True)
    assert f.locked_until == clock.now() + timedelta(seconds=300) and f.lock_code_hash is None


def test_claim_vouchers_is_all_or_nothing_and_names_the_voucher_that_failed(engine, snapshot):
    for code in ("A", "B", "C"):
        _issue(engine, code)
    engine.claim("acme", code="B", holder="bob")
    engine.issue("globex", VoucherSpec(K.SINGLE_USE), code="THEIRS")
    before = [snapshot(code=code) for code in ("A", "B", "C")]
    refs = [VoucherRef(code="A"), VoucherRef(code="C"), VoucherRef(code="B")]

    with pytest.raises(HeldByAnother) as held:
        engine.claim_vouchers("acme", holder="ann", vouchers=refs)
    assert held.value.ref == VoucherRef(code="B") and held.value.details["index"] == 2
    for ref, index in (
        (VoucherRef(code="NOPE"), 1),
        (VoucherRef(code="THEIRS"), 1),
        (VoucherRef(code="A", public_id=10**9), 1),
        (VoucherRef(public_id=10**12), 1),
    ):
        with pytest.raises(VoucherNotFound) as missing:
            engine.claim_vouchers("acme", holder="ann", vouchers=[VoucherRef(code="A"), ref])
        assert (missing.value.ref, missing.value.details["index"]) == (ref, index)
    assert [snapshot(code=code) for code in ("A", "B", "C")] == before  # A and C not claimed

    # A voucher locked by another basket refuses the whole batch, A included.
    engine.lock("acme", code="C", locking_code="basket-9")
    before = [snapshot(code=code) for code in ("A", "C")]
    with pytest.raises(VoucherLocked) as locked:
        engine.claim_vouchers("acme", holder="ann", vouchers=refs[:2], lock=True, locking_code="basket-1")
    assert locked.value.ref == VoucherRef(code="C")
    assert [snapshot(code=code) for code in ("A", "C")] == before


def test_claim_vouchers_refuses_bad_requests_before_writing(engine, snapshot):
    _issue(engine, "A")
    before = snapshot(code="A")
    one = [VoucherRef(code="A")]
    with pytest.raises(ValidationError):
        engine.claim_vouchers("acme", holder="ann", vouchers=[])
    with pytest.raises(ValidationError):
        engine.claim_vouchers("acme", holder="ann", vouchers=one * 11)
    with pytest.raises(ValidationError):
        engine.claim_vouchers("acme", holder="ann", vouchers=one * 3, max_count=2)
    with pytest.raises(ValidationError):
        engine.claim_vouchers("acme", holder="ann", vouchers=["A"])
    with pytest.raises(ValidationError):
        engine.claim_vouchers("acme", holder="ann", vouchers=one, locking_code="basket-1")  # no lock=True
    for seconds in (119, 3601):
        with pytest.raises(LockPeriodOutOfRange):
            engine.claim_vouchers("acme", holder="ann", vouchers=one, lock=True, lock_period=timedelta(seconds=seconds))
    for bad in ({}, {"public_id": 0}, {"public_id": "7"}, {"code": ""}):
        with pytest.raises(ValidationError):
            VoucherRef(**bad)
    assert snapshot(code="A") == before


def test_claim_vouchers_with_an_idempotency_key_runs_once(engine):
    _issue(engine, "A")
    refs = [VoucherRef(code="A")]
    first = engine.claim_vouchers("acme", holder="ann", vouchers=refs, lock=True, idempotency_key="k1")
    again = engine.claim_vouchers("acme", holder="ann", vouchers=refs, lock=True, idempotency_key="k1")
    assert again == first
    assert len(engine.events("acme", type="voucher.locked")) == 1


def test_a_lock_runs_out_on_the_clock_then_another_basket_may_lock(engine, clock):
    _issue(engine, "A")
    engine.claim_vouchers(
        "acme",
        holder="ann",
        vouchers=[VoucherRef(code="A")],
        lock=True,
        locking_code="basket-1",
        lock_period=timedelta(seconds=120),
    )
    with pytest.raises(VoucherLocked):
        engine.claim_vouchers("acme", holder="ann", vouchers=[VoucherRef(code="A")], lock=True, locking_code="basket-2")
    clock.advance(119)
    with pytest.raises(VoucherLocked):
        engine.lock("acme", code="A", locking_code="basket-2")
    clock.advance(1)
    [relocked] = engine.claim_vouchers(
        "acme", holder="ann", vouchers=[VoucherRef(code="A")], lock=True, locking_code="basket-2"
    )
    assert relocked.lock_code_hash == fingerprint("basket-2")
    assert relocked.locked_until == clock.now() + timedelta(seconds=300)
    assert engine.redeem("acme", code="A", amount=eur("1.00"), locking_code="basket-2").available == 1900


def test_admin_unlock_needs_no_locking_code_and_clears_the_binding(engine):
    _issue(engine, "A")
    engine.lock("acme", code="A", locking_code="basket-1")
    with pytest.raises(VoucherLocked):
        engine.unlock("acme", code="A")  # a shop without the basket code may not
    unlocked = engine.unlock("acme", code="A", force=True)
    assert (unlocked.locked_until, unlocked.lock_code_hash) == (None, None)
    stored = engine.get_voucher("acme", code="A")
    assert (stored.locked_until, stored.lock_code_hash) == (None, None)
    assert engine.events("acme", type="voucher.unlocked")[-1].payload == {
        "type": "voucher.unlocked",
        "subject_id": stored.id,
        "code": "A",
        "forced": True,
    }
    assert engine.redeem("acme", code="A", amount=eur("1.00")).available == 1900  # no code needed now
    with pytest.raises(NotLocked):
        engine.unlock("acme", code="A", force=True)
    engine.lock("acme", code="A", locking_code="basket-2")
    with pytest.raises(VoucherNotFound):
        engine.unlock("globex", code="A", force=True)
    assert engine.unlock("acme", code="A", locking_code="basket-2").lock_code_hash is None
