import pytest

from voucher_engine import EntryKind, Money, State, VoucherKind, VoucherSpec
from voucher_engine.errors import EntryNotFound, IllegalTransition, InvalidAmount

K = VoucherKind


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_reversals_give_back_at_most_what_was_spent(engine, balanced, snapshot):
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("100.00")), code="R")
    with pytest.raises(IllegalTransition):
        engine.reverse("acme", code="R", seq=1)
    engine.redeem("acme", code="R", amount=eur("30.00"), reference="o-1", store="shop-a")  # seq 2
    engine.redeem("acme", code="R", amount=eur("20.00"))  # seq 3
    engine.capture("acme", engine.hold("acme", code="R", amount=eur("10.00")).hold_id, amount=eur("5.00"))  # 4, 5

    part = engine.reverse("acme", code="R", seq=2, amount=eur("10.00"), reference="return-1")
    assert (part.seq, part.amount, part.available, part.state) == (6, 1000, 5500, State.PARTIALLY_REDEEMED)
    before = snapshot(code="R")
    with pytest.raises(InvalidAmount, match="at most 2000"):
        engine.reverse("acme", code="R", seq=2, amount=eur("25.00"))
    for seq in (1, 4, 99):  # the issue, a hold, nothing: none of them spent anything
        with pytest.raises(EntryNotFound):
            engine.reverse("acme", code="R", seq=seq)
    assert snapshot(code="R") == before

    assert engine.reverse("acme", code="R", seq=2).amount == 2000  # the rest of it
    with pytest.raises(InvalidAmount, match="at most 0"):
        engine.reverse("acme", code="R", seq=2)
    assert engine.reverse("acme", code="R", seq=5).available == 8000  # a capture too

    assert engine.redeem("acme", code="R", amount=eur("80.00")).state is State.REDEEMED  # seq 9
    back = engine.reverse("acme", code="R", seq=3, amount=eur("5.00"))
    assert (back.seq, back.available, back.state) == (10, 500, State.PARTIALLY_REDEEMED)

    stored = balanced(code="R")
    assert (stored.available, stored.state) == (500, State.PARTIALLY_REDEEMED)
    reversals = [e for e in engine.ledger("acme", code="R") if e.kind is EntryKind.REVERSE]
    assert [(e.seq, e.available_delta, e.spent, e.reference) for e in reversals] == [
        (6, 1000, 0, "return-1"),
        (7, 2000, 0, None),
        (8, 500, 0, None),
        (10, 500, 0, None),
    ]
    history = engine.redeem_history("acme", code="R")
    assert [(h.seq, h.kind, h.amount, h.reference, h.store) for h in history] == [
        (2, "redeem", 3000, "o-1", "shop-a"),
        (3, "redeem", 2000, None, None),
        (5, "capture", 500, None, None),
        (6, "reverse", -1000, "return-1", None),
        (7, "reverse", -2000, None, None),
        (8, "reverse", -500, None, None),
        (9, "redeem", 8000, None, None),
        (10, "reverse", -500, None, None),
    ]
    events = engine.events("acme", type="voucher.redemption_reversed")
    assert [(e.payload["reverses_seq"], e.payload["amount"]) for e in events] == [
        (2, 1000),
        (2, 2000),
        (5, 500),
        (3, 500),
    ]
