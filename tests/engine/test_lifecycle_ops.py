from datetime import timedelta

import pytest

from voucher_engine import EntryKind, Money, State, VoucherKind, VoucherSpec, WindowSpec
from voucher_engine.errors import AlreadyExists, HeldByAnother, IllegalTransition, VoucherNotFound

K = VoucherKind


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def transitions(engine, voucher_id):
    return [
        (e.type, e.payload["from"], e.payload["state"])
        for e in engine.events("acme")
        if e.subject_id == voucher_id and "from" in e.payload
    ]


def test_reservation_is_confirmed_fulfilled_and_refunded(engine, balanced, snapshot):
    engine.issue("acme", VoucherSpec(K.SINGLE_USE), code="TAKEN")
    reserved = engine.issue(
        "acme", VoucherSpec(K.MONETARY, eur("25.00"), metadata={"offer": "o1"}), code="RES-1", state=State.RESERVED
    )
    before = snapshot(code="RES-1")
    for refused in (
        lambda: engine.redeem("acme", code="RES-1", amount=eur("1.00")),
        lambda: engine.fulfil("acme", voucher_id=reserved.id),
        lambda: engine.request_refund("acme", code="RES-1"),
        lambda: engine.claim("acme", code="RES-1", holder="bob"),
    ):
        with pytest.raises(IllegalTransition):
            refused()
    assert snapshot(code="RES-1") == before

    assert engine.confirm("acme", code="RES-1").state is State.CONFIRMED
    with pytest.raises(IllegalTransition):
        engine.confirm("acme", code="RES-1")
    with pytest.raises(AlreadyExists):
        engine.fulfil("acme", voucher_id=reserved.id, new_code="TAKEN")
    ready = engine.fulfil(
        "acme", voucher_id=reserved.id, new_code="FINAL-1", attributes={"url": "https://example.test/v/1"}
    )
    assert (ready.state, ready.code, ready.metadata) == (
        State.READY,
        "FINAL-1",
        {"offer": "o1", "url": "https://example.test/v/1"},
    )
    assert engine.get_voucher("acme", code="FINAL-1") == ready
    with pytest.raises(VoucherNotFound):
        engine.get_voucher("acme", code="RES-1")

    assert engine.request_refund("acme", code="FINAL-1").state is State.REFUND_REQUESTED
    with pytest.raises(IllegalTransition):
        engine.redeem("acme", code="FINAL-1", amount=eur("1.00"))
    refunded = engine.refund("acme", code="FINAL-1")
    assert (refunded.state, refunded.available, refunded.seq) == (State.REFUNDED, 0, 2)
    with pytest.raises(IllegalTransition):
        engine.refund("acme", code="FINAL-1")

    balanced(code="FINAL-1")
    last = engine.ledger("acme", code="FINAL-1")[-1]
    assert (last.kind, last.seq, last.available_delta, last.spent) == (EntryKind.REFUND, 2, -2500, 2500)
    assert [(h.kind, h.amount) for h in engine.redeem_history("acme", code="FINAL-1")] == [("refund", 2500)]
    assert transitions(engine, reserved.id) == [
        ("voucher.confirmed", "reserved", "confirmed"),
        ("voucher.ready", "confirmed", "ready"),
        ("voucher.refund_requested", "ready", "refund_requested"),
        ("voucher.refunded", "refund_requested", "refunded"),
    ]
    assert engine.events("acme", type="voucher.ready")[0].payload["code"] == "FINAL-1"


def test_claim_cancel_and_expire(engine, clock, balanced, snapshot):
    now = clock.now()
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("10.00")), code="C")
    claimed = engine.claim("acme", code="C", holder="user-1")
    assert (claimed.state, claimed.holder) == (State.CLAIMED, "user-1")
    assert engine.get_voucher("acme", code="C").holder == "user-1"
    with pytest.raises(HeldByAnother):
        engine.claim("acme", code="C", holder="user-2")
    cancelled = engine.cancel("acme", code="C")
    assert (cancelled.state, cancelled.available) == (State.CANCELLED, 0)
    forfeit = engine.ledger("acme", code="C")[-1]
    assert (forfeit.kind, forfeit.available_delta, forfeit.spent) == (EntryKind.FORFEIT, -1000, 0)
    with pytest.raises(IllegalTransition):
        engine.cancel("acme", code="C")
    assert engine.redeem_history("acme", code="C") == []
    balanced(code="C")

    engine.issue("acme", VoucherSpec(K.MONETARY, eur("10.00")), code="USED")
    engine.redeem("acme", code="USED", amount=eur("1.00"))
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("10.00")), code="HELD")
    engine.hold("acme", code="HELD", amount=eur("4.00"))
    before = snapshot(code="HELD")
    with pytest.raises(IllegalTransition):
        engine.cancel("acme", code="USED")  # a used voucher is not cancelled: its balance is owed
    with pytest.raises(IllegalTransition, match="pending holds"):
        engine.cancel("acme", code="HELD")
    with pytest.raises(IllegalTransition, match="pending holds"):
        engine.expire("acme", code="HELD")
    assert snapshot(code="HELD") == before

    now_expired = engine.expire("acme", code="USED")
    assert (now_expired.state, now_expired.available) == (State.EXPIRED, 0)
    assert engine.ledger("acme", code="USED")[-1].available_delta == -900

    ends = (WindowSpec(end=now + timedelta(days=1)),)
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("10.00"), validity=ends), code="DUE")
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("10.00"), validity=ends), code="DUE-HELD")
    engine.hold("acme", code="DUE-HELD", amount=eur("1.00"))
    engine.issue("acme", VoucherSpec(K.SINGLE_USE, validity=ends), code="DUE-SPENT")
    engine.redeem("acme", code="DUE-SPENT")
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("10.00")), code="FOREVER")

    assert engine.expire_due_vouchers() == 0
    clock.advance(timedelta(days=1))
    assert engine.expire_due_vouchers() == 1  # DUE; DUE-HELD waits for its hold
    assert engine.get_voucher("acme", code="DUE").state is State.EXPIRED
    assert engine.get_voucher("acme", code="DUE-HELD").state is State.AVAILABLE
    assert engine.expire_due_holds() == 2  # HELD's and DUE-HELD's (15 minutes each)
    assert engine.expire_due_vouchers() == 1
    assert engine.expire_due_vouchers() == 0
    states = {c: engine.get_voucher("acme", code=c).state for c in ("DUE", "DUE-HELD", "DUE-SPENT", "FOREVER", "HELD")}
    assert states == {
        "DUE": State.EXPIRED,
        "DUE-HELD": State.EXPIRED,
        "DUE-SPENT": State.REDEEMED,
        "FOREVER": State.AVAILABLE,
        "HELD": State.AVAILABLE,
    }
    for code in ("C", "USED", "HELD", "DUE", "DUE-HELD", "DUE-SPENT", "FOREVER"):
        balanced(code=code)
    assert [e.payload["code"] for e in engine.events("acme", type="voucher.expired")] == ["USED", "DUE", "DUE-HELD"]
    assert len(engine.events("acme", type="voucher.cancelled")) == 1


def test_no_refund_request_while_funds_are_held(engine, balanced, snapshot):
    """A capture after a refund request would leave refund_requested by a path the lifecycle
    table does not have: the request waits until the hold is settled."""
    reserved = engine.issue("acme", VoucherSpec(K.MONETARY, eur("30.00")), code="HELD-1", state=State.RESERVED)
    engine.confirm("acme", voucher_id=reserved.id)
    engine.fulfil("acme", voucher_id=reserved.id)
    hold = engine.hold("acme", code="HELD-1", amount=eur("5.00"))
    before = snapshot(code="HELD-1")
    with pytest.raises(IllegalTransition, match="pending holds"):
        engine.request_refund("acme", code="HELD-1")
    assert snapshot(code="HELD-1") == before
    engine.release("acme", hold.hold_id)
    assert engine.request_refund("acme", code="HELD-1").state is State.REFUND_REQUESTED
    balanced(code="HELD-1")
