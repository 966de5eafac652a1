from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from voucher_engine.domain.hashing import fingerprint, hash_secret, verify_secret
from voucher_engine.domain.lifecycle import State
from voucher_engine.domain.money import Money
from voucher_engine.domain.validity import Window
from voucher_engine.domain.vouchers import RedeemRequest, Voucher, VoucherKind, VoucherSpec
from voucher_engine.errors import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidPin,
    NotRedeemableHere,
    UnknownCurrency,
    ValidationError,
    VoucherExpired,
    VoucherLocked,
    VoucherNotYetValid,
)

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
K = VoucherKind


def voucher(kind: VoucherKind = K.MONETARY, **kwargs) -> Voucher:
    base = {
        "id": "vch_1",
        "tenant_id": "acme",
        "code": "CODE",
        "kind": kind,
        "state": State.AVAILABLE,
        "currency": "EUR" if kind is K.MONETARY else None,
        "initial": 1000,
        "available": 1000,
        "held": 0,
        "windows": (Window(),),
        "redeemable_at": (),
        "taxable": False,
        "tax_rate": None,
        "metadata": {},
        "holder": None,
        "campaign_id": None,
        "offer_id": None,
        "pin_hash": None,
        "locked_until": None,
        "lock_code_hash": None,
        "seq": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Voucher(**{**base, **kwargs})


# --- VoucherSpec ---------------------------------------------------------------------------------


def test_monetary_spec_takes_its_currency_from_the_value():
    spec = VoucherSpec("monetary", Money(2500, "GBP"))
    assert spec.kind is K.MONETARY and spec.currency == "GBP" and spec.units == 2500


def test_monetary_spec_refuses_a_conflicting_currency():
    with pytest.raises(CurrencyMismatch):
        VoucherSpec(K.MONETARY, Money(2500, "GBP"), currency="EUR")


@pytest.mark.parametrize("value", [None, 2500, Money(0, "EUR"), Money(-1, "EUR")])
def test_monetary_spec_needs_positive_money(value):
    with pytest.raises(InvalidAmount):
        VoucherSpec(K.MONETARY, value)


def test_count_based_specs():
    assert VoucherSpec(K.MULTI_USE, 5).units == 5
    assert VoucherSpec(K.SINGLE_USE).units == 1
    assert VoucherSpec(K.SINGLE_USE, 1).units == 1
    assert VoucherSpec(K.SINGLE_USE, currency="EUR").currency == "EUR"
    for value in (0, -1, True, 2.0, Money(5, "EUR"), None):
        with pytest.raises(InvalidAmount):
            VoucherSpec(K.MULTI_USE, value)
    for value in (2, 0, True, 1.0, Money(1, "EUR")):
        with pytest.raises(InvalidAmount):
            VoucherSpec(K.SINGLE_USE, value)


def test_spec_field_validation():
    with pytest.raises(ValueError):
        VoucherSpec("gift", 1)
    with pytest.raises(UnknownCurrency):
        VoucherSpec(K.SINGLE_USE, currency="XXX")
    assert VoucherSpec(K.SINGLE_USE, tax_rate="19.5").tax_rate == Decimal("19.5")
    for rate in ("abc", "-1", "100.01", object()):
        with pytest.raises(ValidationError):
            VoucherSpec(K.SINGLE_USE, tax_rate=rate)
    for pin in ("", "x" * 256):
        with pytest.raises(ValidationError):
            VoucherSpec(K.SINGLE_USE, pin=pin)


# --- PINs ----------------------------------------------------------------------------------------


def test_pin_hash_verifies_only_the_right_pin():
    stored = hash_secret("1234", b"0123456789abcdef")
    assert "1234" not in stored and stored.startswith("scrypt$")
    assert verify_secret("1234", stored)
    assert not verify_secret("1235", stored)
    assert not verify_secret("1234", "garbage")
    assert not verify_secret("1234", stored.replace("scrypt", "md5", 1))
    assert hash_secret("1234", b"another salt....") != stored


# --- check_redeemable ----------------------------------------------------------------------------


def test_pin_required_when_the_voucher_has_one():
    guarded = voucher(pin_hash="scrypt$...")
    with pytest.raises(InvalidPin):
        guarded.check_redeemable(RedeemRequest(Money(100, "EUR")), NOW, pin_ok=False)
    assert guarded.check_redeemable(RedeemRequest(Money(100, "EUR"), pin="1"), NOW, pin_ok=True) == 100
    assert voucher().check_redeemable(RedeemRequest(Money(100, "EUR")), NOW, pin_ok=False) == 100


def test_a_wrong_pin_is_refused_before_the_amount_is_looked_at():
    """A wrong currency or amount must not reveal, behind a wrong PIN, that the code exists."""
    guarded = voucher(pin_hash="scrypt$...")
    for amount in (Money(100, "USD"), Money(0, "EUR"), 3):
        with pytest.raises(InvalidPin):
            guarded.check_redeemable(RedeemRequest(amount, pin="wrong"), NOW, pin_ok=False)


def test_store_restriction():
    restricted = voucher(redeemable_at=("shop-a", "shop-b"))
    assert restricted.check_redeemable(RedeemRequest(Money(5, "EUR"), store="shop-b"), NOW, pin_ok=False) == 5
    with pytest.raises(NotRedeemableHere) as refused:
        restricted.check_redeemable(RedeemRequest(Money(5, "EUR"), store="shop-c"), NOW, pin_ok=False)
    assert refused.value.details == {"store": "shop-c"}
    assert voucher().check_redeemable(RedeemRequest(Money(5, "EUR"), store="anywhere"), NOW, pin_ok=False) == 5


def test_validity_windows():
    future = voucher(windows=(Window(NOW + timedelta(days=1)),))
    with pytest.raises(VoucherNotYetValid):
        future.check_redeemable(RedeemRequest(Money(5, "EUR")), NOW, pin_ok=False)
    past = voucher(windows=(Window(None, NOW),))
    with pytest.raises(VoucherExpired):
        past.check_redeemable(RedeemRequest(Money(5, "EUR")), NOW, pin_ok=False)
    assert past.expires_at == NOW


def test_lock_without_a_locking_code_blocks_everyone_until_it_ends():
    locked = voucher(locked_until=NOW + timedelta(minutes=5))
    for code in (None, "basket-1"):
        with pytest.raises(VoucherLocked):
            locked.check_redeemable(RedeemRequest(Money(5, "EUR"), locking_code=code), NOW, pin_ok=False)
    assert locked.is_locked(NOW) and not locked.is_locked(NOW + timedelta(minutes=5))
    assert locked.check_redeemable(RedeemRequest(Money(5, "EUR")), NOW + timedelta(minutes=5), pin_ok=False) == 5


def test_lock_with_a_locking_code_lets_only_that_code_through():
    locked = voucher(locked_until=NOW + timedelta(minutes=5), lock_code_hash=fingerprint("basket-1"))
    assert locked.check_redeemable(RedeemRequest(Money(5, "EUR"), locking_code="basket-1"), NOW, pin_ok=False) == 5
    for code in (None, "basket-2"):
        with pytest.raises(VoucherLocked):
            locked.check_redeemable(RedeemRequest(Money(5, "EUR"), locking_code=code), NOW, pin_ok=False)


def test_the_pin_is_checked_first_then_the_amount():
    """A wrong PIN hides every other refusal (a wrong currency or amount would tell that the
    code exists); with the right PIN, the amount comes before validity and the rest."""
    guarded = voucher(pin_hash="scrypt$...", windows=(Window(None, NOW),))
    with pytest.raises(InvalidPin):
        guarded.check_redeemable(RedeemRequest(None), NOW, pin_ok=False)
    with pytest.raises(InvalidAmount):
        guarded.check_redeemable(RedeemRequest(None, pin="1"), NOW, pin_ok=True)


# --- units_of ------------------------------------------------------------------------------------


def test_units_of_monetary():
    money = voucher()
    assert money.units_of(Money(1053, "EUR")) == 1053
    with pytest.raises(CurrencyMismatch):
        money.units_of(Money(1053, "USD"))
    for amount in (None, 1053, Money(0, "EUR"), Money(-5, "EUR")):
        with pytest.raises(InvalidAmount):
            money.units_of(amount)


@pytest.mark.parametrize("kind", [K.MULTI_USE, K.SINGLE_USE])
def test_units_of_count_based(kind):
    uses = voucher(kind, initial=3, available=3)
    assert uses.units_of(None) == 1
    assert uses.units_of(2) == 2
    for amount in (Money(1, "EUR"), 0, -1, True, 1.0):
        with pytest.raises(InvalidAmount):
            uses.units_of(amount)


def test_balance_is_money_or_uses():
    assert voucher(available=420).balance() == Money(420, "EUR")
    assert voucher(K.MULTI_USE, initial=3, available=2).balance() == 2
