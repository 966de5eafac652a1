from decimal import Decimal

import pytest

from voucher_engine import Money, VoucherKind, VoucherSpec, WindowSpec
from voucher_engine.errors import IdempotencyKeyReused, InsufficientFunds, ValidationError

K = VoucherKind


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_same_key_same_request_returns_the_first_result_once(engine, clock, balanced):
    spec = VoucherSpec(
        K.MONETARY,
        eur("50.00"),
        validity=(WindowSpec(days_after_issue=30),),
        tax_rate=Decimal("7.7"),
        metadata={"a": [1, 2]},
    )
    issued = engine.issue("acme", spec, idempotency_key="issue-1")
    clock.advance(5)
    assert engine.issue("acme", spec, idempotency_key="issue-1") == issued  # same generated code too
    assert engine.stats("acme")["vouchers"] == {"available": 1}

    code = issued.code
    moved = engine.redeem("acme", code=code, amount=eur("10.00"), idempotency_key="r-1")
    clock.advance(5)
    assert engine.redeem("acme", code=code, amount=eur("10.00"), idempotency_key="r-1") == moved
    held = engine.hold("acme", code=code, amount=eur("5.00"), idempotency_key="h-1")
    assert engine.hold("acme", code=code, amount=eur("5.00"), idempotency_key="h-1") == held
    captured = engine.capture("acme", held.hold_id, idempotency_key="c-1")
    assert engine.capture("acme", held.hold_id, idempotency_key="c-1") == captured
    locked = engine.lock("acme", code=code, locking_code="b", idempotency_key="l-1")
    assert engine.lock("acme", code=code, locking_code="b", idempotency_key="l-1") == locked
    reversed_ = engine.reverse("acme", code=code, seq=moved.seq, idempotency_key="v-1")
    assert engine.reverse("acme", code=code, seq=moved.seq, idempotency_key="v-1") == reversed_

    stored = balanced(code=code)
    assert (stored.available, stored.seq) == (4500, 5)  # issue, redeem, hold, capture, reverse
    assert [e.type for e in engine.events("acme")] == [
        "voucher.issued",
        "voucher.redeemed",
        "hold.created",
        "hold.captured",
        "voucher.locked",
        "voucher.redemption_reversed",
    ]


def test_a_key_belongs_to_one_request_per_tenant_and_scope(engine, balanced, snapshot):
    engine.issue("acme", VoucherSpec(K.MONETARY, eur("50.00")), code="K")
    engine.issue("globex", VoucherSpec(K.MONETARY, eur("50.00")), code="K")
    engine.redeem("acme", code="K", amount=eur("10.00"), idempotency_key="key")

    before = snapshot(code="K")
    with pytest.raises(IdempotencyKeyReused):
        engine.redeem("acme", code="K", amount=eur("10.01"), idempotency_key="key")
    with pytest.raises(IdempotencyKeyReused):
        engine.redeem("acme", code="K", amount=eur("10.00"), store="elsewhere", idempotency_key="key")
    with pytest.raises(IdempotencyKeyReused):  # another operation under the same key
        engine.hold("acme", code="K", amount=eur("10.00"), idempotency_key="key")
    with pytest.raises(ValidationError):
        engine.redeem("acme", code="K", amount=eur("10.00"), idempotency_key="")
    assert snapshot(code="K") == before

    # The same key under another client scope, or in another tenant, is another request.
    assert (
        engine.redeem("acme", code="K", amount=eur("10.00"), idempotency_key="key", scope="client-b").available == 3000
    )
    assert engine.redeem("globex", code="K", amount=eur("10.00"), idempotency_key="key").available == 4000
    assert (
        engine.redeem("acme", code="K", amount=eur("10.00"), idempotency_key="key", scope="client-b").available == 3000
    )

    # A refused request saves nothing under its key: retried, it is refused again.
    for _ in range(2):
        with pytest.raises(InsufficientFunds):
            engine.redeem("acme", code="K", amount=eur("40.00"), idempotency_key="too-much")
    assert balanced(code="K").available == 3000
    assert balanced("globex", code="K").available == 4000
    assert len(engine.events("acme", type="voucher.redeemed")) == 2
    assert len(engine.events("globex", type="voucher.redeemed")) == 1
