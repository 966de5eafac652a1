"""Money as integer minor units of an ISO 4217 currency; never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from voucher_engine.errors import CurrencyMismatch, InvalidAmount, UnknownCurrency

# ISO 4217 active codes with a minor-unit exponent other than 2, plus the common 2-digit ones.
# A deployment needing an unlisted currency registers it with ``register_currency``.
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        "AED AUD BGN BRL CAD CHF CNY CZK DKK EUR GBP HKD HUF ILS INR MXN MYR NOK NZD PHP PLN "
        "RON RUB SAR SEK SGD THB TRY TWD USD ZAR".split(),
        2,
    ),
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    "CLF": 4,
    "UYW": 4,
}

# ASCII digits only and \Z, not $: "1.00\n" and Arabic-Indic digits are not amounts.
_DECIMAL = re.compile(r"(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?\Z")


def register_currency(code: str, exponent: int) -> None:
    """Teach the engine an ISO 4217 code it does not know yet."""
    if not re.fullmatch(r"[A-Z]{3}", code) or not 0 <= exponent <= 4:
        raise UnknownCurrency(f"not an ISO 4217 code with exponent 0..4: {code!r}")
    _EXPONENTS[code] = exponent


def exponent_of(currency: str) -> int:
    try:
        return _EXPONENTS[currency]
    except (KeyError, TypeError):
        raise UnknownCurrency(f"unknown currency {currency!r}", currency=currency) from None


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (cents for EUR) of one currency."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.minor) is not int:  # bool and float are refused on purpose
            raise InvalidAmount(f"minor units must be an int, got {type(self.minor).__name__}")
        exponent_of(self.currency)

    @classmethod
    def parse(cls, text: str, currency: str, *, max_integer_digits: int | None = None) -> Money:
        """Parse a decimal string such as ``"10.53"`` exactly.

        More fraction digits than the currency has are refused rather than rounded: a client
        that sends ``"10.535"`` EUR has a bug we must not hide.
        """
        if not isinstance(text, str):
            raise InvalidAmount(f"amount must be a decimal string, got {type(text).__name__}")
        exponent = exponent_of(currency)
        match = _DECIMAL.match(text)
        if match is None:
            raise InvalidAmount(f"not a decimal amount: {text!r}")
        integer, fraction = match["int"], match["frac"] or ""
        if len(fraction) > exponent:
            raise InvalidAmount(f"{currency} has {exponent} decimal places: {text!r}")
        if max_integer_digits is not None and len(integer.lstrip("0")) > max_integer_digits:
            raise InvalidAmount(f"at most {max_integer_digits} digits before the point: {text!r}")
        return cls(int(integer) * 10**exponent + int(fraction.ljust(exponent, "0") or 0), currency)

    @classmethod
    def from_decimal(cls, value: Decimal, currency: str) -> Money:
        exponent = exponent_of(currency)
        try:
            scaled = value.scaleb(exponent)
        except InvalidOperation:
            raise InvalidAmount(f"not a decimal amount: {value!r}") from None
        if not scaled.is_finite() or scaled != scaled.to_integral_value():
            raise InvalidAmount(f"{value} has more than {exponent} decimal places for {currency}")
        return cls(int(scaled), currency)

    def format(self) -> str:
        """The canonical decimal string: ``Money(1053, "EUR").format() == "10.53"``."""
        exponent = exponent_of(self.currency)
        sign = "-" if self.minor < 0 else ""
        whole, frac = divmod(abs(self.minor), 10**exponent)
        return f"{sign}{whole}.{frac:0{exponent}d}" if exponent else f"{sign}{whole}"

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent_of(self.currency))

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"{other.currency} does not match {self.currency}",
                expected=self.currency,
                got=other.currency,
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __str__(self) -> str:
        return f"{self.format()} {self.currency}"


def require_currency(expected: str, got: str) -> None:
    if expected != got:
        raise CurrencyMismatch(f"{got} does not match {expected}", expected=expected, got=got)
