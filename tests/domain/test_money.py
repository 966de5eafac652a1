from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucher_engine.domain.money import Money, exponent_of, register_currency, require_currency
from voucher_engine.errors import CurrencyMismatch, InvalidAmount, UnknownCurrency


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("10.53", "EUR", 1053),
        ("10", "EUR", 1000),
        ("0.5", "EUR", 50),
        ("007.10", "EUR", 710),
        ("0", "EUR", 0),
        ("100", "JPY", 100),
        ("1.234", "KWD", 1234),
        ("1.2", "KWD", 1200),
        ("99999999999999.99", "USD", 9999999999999999),
    ],
)
def test_parse_is_exact(text, currency, minor):
    assert Money.parse(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    "text",
    [
        "10.535",
        "1e3",
        "-1.00",
        "+1.00",
        " 1.00",
        "1.00 ",
        "1.00\n",
        "1.",
        ".50",
        "",
        "1,00",
        "1.0.0",
        "١٠.٥٣",  # noqa: RUF001 - Arabic-Indic digits must be refused
        "1_000.00",
        "NaN",
        "Infinity",
    ],
)
def test_parse_refuses_anything_but_a_plain_decimal(text):
    with pytest.raises(InvalidAmount):
        Money.parse(text, "EUR")


@pytest.mark.parametrize("value", [10.53, 10, True, Decimal("10.53"), None, b"10.53"])
def test_parse_refuses_non_strings(value):
    with pytest.raises(InvalidAmount):
        Money.parse(value, "EUR")


@pytest.mark.parametrize(("text", "currency"), [("100.0", "JPY"), ("1.2345", "KWD"), ("0.001", "EUR")])
def test_parse_refuses_more_places_than_the_currency_has(text, currency):
    with pytest.raises(InvalidAmount, match="decimal places"):
        Money.parse(text, currency)


def test_exponents_of_zero_two_and_three_places():
    assert [exponent_of(c) for c in ("JPY", "EUR", "KWD")] == [0, 2, 3]


@pytest.mark.parametrize("minor", [10.0, True, False, Decimal(1), "1", None])
def test_minor_units_must_be_an_int(minor):
    with pytest.raises(InvalidAmount):
        Money(minor, "EUR")


@pytest.mark.parametrize("currency", ["XXX", "eur", "", None, 978])
def test_unknown_currencies_are_refused(currency):
    with pytest.raises(UnknownCurrency):
        Money(1, currency)
    with pytest.raises(UnknownCurrency):
        Money.parse("1", currency)


def test_register_currency_validates_code_and_exponent():
    for code, exponent in [("xts", 2), ("XTSS", 2), ("XTS", 5), ("XTS", -1)]:
        with pytest.raises(UnknownCurrency):
            register_currency(code, exponent)
    register_currency("XTS", 2)  # ISO 4217's own code for testing
    assert Money.parse("1.25", "XTS") == Money(125, "XTS")


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(1053, "EUR"), "10.53"),
        (Money(5, "EUR"), "0.05"),
        (Money(0, "EUR"), "0.00"),
        (Money(-5, "EUR"), "-0.05"),
        (Money(100, "JPY"), "100"),
        (Money(1234, "KWD"), "1.234"),
        (Money(1, "KWD"), "0.001"),
    ],
)
def test_format_is_canonical(money, text):
    assert money.format() == text
    assert str(money) == f"{text} {money.currency}"


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["EUR", "JPY", "KWD", "CLF"]))
def test_format_and_parse_round_trip(minor, currency):
    money = Money(minor, currency)
    assert Money.parse(money.format(), currency) == money
    assert Money.from_decimal(money.to_decimal(), currency) == money


def test_from_decimal_refuses_sub_minor_and_non_finite_values():
    assert Money.from_decimal(Decimal("10.53"), "EUR") == Money(1053, "EUR")
    assert Money.from_decimal(Decimal("10.530"), "EUR") == Money(1053, "EUR")
    for value in (Decimal("10.535"), Decimal("NaN"), Decimal("Infinity")):
        with pytest.raises(InvalidAmount):
            Money.from_decimal(value, "EUR")


def test_arithmetic_within_one_currency():
    a, b = Money(1053, "EUR"), Money(47, "EUR")
    assert a + b == Money(1100, "EUR")
    assert a - b == Money(1006, "EUR")
    assert b < a and b <= Money(47, "EUR") and not a < b


@pytest.mark.parametrize("op", ["add", "sub", "lt", "le"])
def test_arithmetic_refuses_mismatched_currencies(op):
    eur, usd = Money(100, "EUR"), Money(100, "USD")
    with pytest.raises(CurrencyMismatch) as refused:
        getattr(eur, f"__{op}__")(usd)
    assert refused.value.details == {"expected": "EUR", "got": "USD"}


def test_arithmetic_refuses_bare_numbers():
    with pytest.raises(TypeError):
        Money(100, "EUR") + 1


def test_money_of_different_currencies_is_not_equal():
    assert Money(100, "EUR") != Money(100, "USD")


def test_require_currency():
    require_currency("EUR", "EUR")
    with pytest.raises(CurrencyMismatch):
        require_currency("EUR", "GBP")


def test_max_integer_digits():
    assert Money.parse("12345.67", "EUR", max_integer_digits=5) == Money(1234567, "EUR")
    assert Money.parse("000123.45", "EUR", max_integer_digits=3) == Money(12345, "EUR")
    with pytest.raises(InvalidAmount, match="at most 5 digits"):
        Money.parse("123456.00", "EUR", max_integer_digits=5)
