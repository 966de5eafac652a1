from datetime import timedelta

import pytest

from voucher_engine import EntryKind, Money, State, Store, VoucherKind, VoucherSpec, WindowSpec
from voucher_engine.errors import (
    CurrencyMismatch,
    IllegalTransition,
    InsufficientFunds,
    InvalidAmount,
    InvalidPin,
    NotRedeemableHere,
    ValidationError,
    VoucherExpired,
    VoucherNotFound,
    VoucherNotYetValid,
)

K = VoucherKind


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_monetary_partial_then_full_then_refused(engine, clock, balanced, snapshot):
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("100.00")), code="M100")
    first = engine.redeem("acme", code="M100", amount=eur("10.53"), reference="order-1", store="shop-a")
    assert (first.seq, first.amount, first.available, first.held, first.state, first.currency) == (
        2,
        1053,
        8947,
        0,
        State.PARTIALLY_REDEEMED,
        "EUR",
    )

    before = snapshot(code="M100")
    with pytest.raises(InsufficientFunds) as refused:
        engine.redeem("acme", code="M100", amount=eur("89.48"))
    assert refused.value.details == {"available": 8947}
    with pytest.raises(CurrencyMismatch):
        engine.redeem("acme", code="M100", amount=Money(100, "USD"))
    for amount in (None, 5, Money(0, "EUR")):
        with pytest.raises(InvalidAmount):
            engine.redeem("acme", code="M100", amount=amount)
    assert snapshot(code="M100") == before  # refusals wrote nothing: row, ledger, outbox

    clock.advance(60)
    last = engine.redeem("acme", code="M100", amount=eur("89.47"))
    assert (last.seq, last.available, last.state, last.at) == (3, 0, State.REDEEMED, clock.now())
    with pytest.raises(IllegalTransition):
        engine.redeem("acme", code="M100", amount=eur("0.01"))

    stored = balanced(code="M100")
    assert (stored.state, stored.available) == (State.REDEEMED, 0)
    entries = engine.ledger("acme", code="M100")
    assert [(e.kind, e.available_delta, e.spent, e.reference, e.store) for e in entries] == [
        (EntryKind.ISSUE, 10000, 0, None, None),
        (EntryKind.REDEEM, -1053, 1053, "order-1", "shop-a"),
        (EntryKind.REDEEM, -8947, 8947, None, None),
    ]
    redeemed = engine.events("acme", type="voucher.redeemed")
    assert [(e.payload["amount"], e.payload["available"], e.payload["state"], e.payload["seq"]) for e in redeemed] == [
        (1053, 8947, "partially_redeemed", 2),
        (8947, 0, "redeemed", 3),
    ]


def test_pin_store_and_validity_rules(engine, clock, balanced, snapshot):
    now = clock.now()
    engine.put_store(Store("shop-a", "acme", "Shop A"))
    engine.issue(
        "acme",
        VoucherSpec(
            K.MONETARY,
            eur("50.00"),
            pin="4711",
            redeemable_at=("shop-a",),
            validity=(WindowSpec(start=now + timedelta(days=1), end=now + timedelta(days=2)),),
        ),
        code="RULES",
    )
    before = snapshot(code="RULES")
    with pytest.raises(InvalidPin):
        engine.redeem("acme", code="RULES", amount=eur("1.00"), store="shop-a")
    with pytest.raises(InvalidPin):
        engine.redeem("acme", code="RULES", amount=eur("1.00"), pin="0000", store="shop-a")
    with pytest.raises(VoucherNotYetValid):
        engine.redeem("acme", code="RULES", amount=eur("1.00"), pin="4711", store="shop-a")

    clock.advance(timedelta(days=1))
    with pytest.raises(NotRedeemableHere):
        engine.redeem("acme", code="RULES", amount=eur("1.00"), pin="4711", store="shop-b")
    assert snapshot(code="RULES") == before
    moved = engine.redeem("acme", code="RULES", amount=eur("1.00"), pin="4711", store="shop-a")
    assert moved.available == 4900

    clock.advance(timedelta(days=1))  # the window's end is exclusive
    with pytest.raises(VoucherExpired):
        engine.redeem("acme", code="RULES", amount=eur("1.00"), pin="4711", store="shop-a")
    assert balanced(code="RULES").available == 4900
    assert len(engine.events("acme", type="voucher.redeemed")) == 1


def test_count_based_vouchers(engine, balanced):
    multi = engine.issue("acme", VoucherSpec(K.MULTI_USE, 3), code="THREE")
    assert engine.redeem("acme", code="THREE").available == 2  # one use by default
    with pytest.raises(InsufficientFunds):
        engine.redeem("acme", code="THREE", amount=3)
    with pytest.raises(InvalidAmount):
        engine.redeem("acme", code="THREE", amount=Money(100, "EUR"))
    done = engine.redeem("acme", voucher_id=multi.id, amount=2)
    assert (done.available, done.state, done.seq) == (0, State.REDEEMED, 3)
    with pytest.raises(IllegalTransition):
        engine.redeem("acme", code="THREE")
    assert [e.spent for e in engine.ledger("acme", code="THREE")] == [0, 1, 2]
    balanced(code="THREE")

    engine.issue("acme", VoucherSpec(K.SINGLE_USE), code="ONCE")
    with pytest.raises(InsufficientFunds):
        engine.redeem("acme", code="ONCE", amount=2)
    assert engine.redeem("acme", code="ONCE").state is State.REDEEMED
    with pytest.raises(IllegalTransition):
        engine.redeem("acme", code="ONCE")
    assert balanced(code="ONCE").available == 0

    with pytest.raises(VoucherNotFound):
        engine.redeem("acme", code="NOPE")
    with pytest.raises(ValidationError):
        engine.redeem("acme", code="ONCE", voucher_id=multi.id)
    assert len(engine.events("acme", type="voucher.redeemed")) == 3
