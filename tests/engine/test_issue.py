import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from voucher_engine import CodeFormat, EntryKind, Money, State, Store, VoucherKind, VoucherSpec, WindowSpec
from voucher_engine.domain.codes import UNAMBIGUOUS
from voucher_engine.domain.hashing import verify_secret
from voucher_engine.errors import (
    AlreadyExists,
    IllegalTransition,
    InvalidCodeFormat,
    TenantNotFound,
    ValidationError,
)

K = VoucherKind


def test_issue_each_kind_with_its_opening_entry_and_event(engine, clock, balanced):
    start = clock.now()
    engine.put_store(Store("shop-a", "acme", "Shop A"))
    monetary = engine.issue(
        "acme",
        VoucherSpec(
            K.MONETARY,
            Money.parse("100.00", "EUR"),
            validity=(WindowSpec(start=start, days_after_issue=30),),
            redeemable_at=("shop-a",),
            taxable=True,
            tax_rate=Decimal("19"),
            metadata={"order": "A-1"},
        ),
        code="GIFT-100",
        holder="alice",
    )
    multi = engine.issue("acme", VoucherSpec(K.MULTI_USE, 3, currency="GBP"), code="MEAL-3")
    single = engine.issue("acme", VoucherSpec(K.SINGLE_USE), code="ONCE", state=State.RESERVED)

    assert (monetary.kind, monetary.state, monetary.currency) == (K.MONETARY, State.AVAILABLE, "EUR")
    assert (monetary.initial, monetary.available, monetary.held, monetary.seq) == (10000, 10000, 0, 1)
    assert monetary.expires_at == start + timedelta(days=30)
    assert (monetary.redeemable_at, monetary.taxable, monetary.tax_rate) == (("shop-a",), True, Decimal("19"))
    assert (monetary.metadata, monetary.holder, monetary.pin_hash) == ({"order": "A-1"}, "alice", None)
    assert (multi.kind, multi.available, multi.currency, multi.expires_at) == (K.MULTI_USE, 3, "GBP", None)
    assert (single.kind, single.available, single.state) == (K.SINGLE_USE, 1, State.RESERVED)

    for issued in (monetary, multi, single):
        assert balanced(code=issued.code) == issued  # what issue returned is what was stored
        [entry] = engine.ledger("acme", code=issued.code)
        assert (entry.kind, entry.seq, entry.available_delta, entry.held_delta, entry.spent) == (
            EntryKind.ISSUE,
            1,
            issued.initial,
            0,
            0,
        )
    issued_events = engine.events("acme", type="voucher.issued")
    assert [(e.subject_id, e.payload["code"], e.payload["units"], e.payload["state"]) for e in issued_events] == [
        (monetary.id, "GIFT-100", 10000, "available"),
        (multi.id, "MEAL-3", 3, "available"),
        (single.id, "ONCE", 1, "reserved"),
    ]
    assert engine.events("globex") == []


def test_code_collision_is_refused_within_a_tenant_only(engine, snapshot):
    engine.issue("acme", VoucherSpec(K.SINGLE_USE), code="SAME")
    before = snapshot(code="SAME")
    with pytest.raises(AlreadyExists):
        engine.issue("acme", VoucherSpec(K.MONETARY, Money(100, "EUR")), code=" SAME ")
    assert snapshot(code="SAME") == before
    assert engine.stats("acme")["vouchers"] == {"available": 1}
    assert engine.issue("globex", VoucherSpec(K.SINGLE_USE), code="SAME").code == "SAME"


def test_generated_codes_follow_the_format_and_pins_are_hashed(engine):
    default = [engine.issue("acme", VoucherSpec(K.SINGLE_USE)).code for _ in range(5)]
    assert all(re.fullmatch(rf"([{UNAMBIGUOUS}]{{4}}-){{3}}[{UNAMBIGUOUS}]{{4}}", c) for c in default), default
    assert len(set(default)) == 5
    custom = engine.issue("acme", VoucherSpec(K.SINGLE_USE), code_format=CodeFormat("GIFT-######"))
    assert re.fullmatch(r"GIFT-[0-9]{6}", custom.code)
    assert engine.get_voucher("acme", code=custom.code).id == custom.id

    issued = engine.issue("acme", VoucherSpec(K.MONETARY, Money(500, "EUR"), pin="4711"))
    stored = engine.get_voucher("acme", code=issued.code)
    assert stored.pin_hash is not None and stored.pin_hash != "4711" and "4711" not in stored.pin_hash
    assert verify_secret("4711", stored.pin_hash) and not verify_secret("4712", stored.pin_hash)
    assert "4711" not in str(engine.events("acme")[-1].payload)


def test_issue_refusals_write_nothing(engine):
    spec = VoucherSpec(K.SINGLE_USE)
    with pytest.raises(IllegalTransition):
        engine.issue("acme", spec, state=State.REDEEMED)
    with pytest.raises(InvalidCodeFormat):
        engine.issue("acme", spec, code="TWO WORDS")
    with pytest.raises(TenantNotFound):
        engine.issue("initech", spec)
    with pytest.raises(ValidationError):  # an end before the start, found when resolved at issue
        engine.issue(
            "acme",
            VoucherSpec(
                K.SINGLE_USE,
                validity=(WindowSpec(start=datetime(2031, 1, 1, tzinfo=UTC), end=datetime(2030, 1, 1, tzinfo=UTC)),),
            ),
        )
    assert engine.stats()["vouchers"] == {} and engine.events("acme") == []
