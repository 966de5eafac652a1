"""JTL's amounts: decimal strings with exactly two decimals, in the voucher's currency.

The wire pattern is ``^\\d+\\.\\d{2}$`` with a length of 4 to 9 and at most five digits before
the point. Read literally, Python's ``$`` also matches before a trailing newline and ``\\d``
matches any Unicode digit; we match ASCII digits with ``fullmatch`` instead, so ``"10.53\\n"``
and ``"١٠.٥٣"`` are refused, never silently read as 10.53.

Amounts become ``Money`` in the request's currency; a currency whose minor unit is not the
cent takes only what it can hold exactly (``"10.00"`` JPY, not ``"10.50"``).
"""  # noqa: RUF002 - the Arabic-Indic digits are the point of the example

from __future__ import annotations

import re
from decimal import Decimal

from voucher_engine import Money

AMOUNT = re.compile(r"[0-9]{1,5}\.[0-9]{2}")
MIN_LENGTH, MAX_LENGTH = 4, 9
CENT = Decimal("0.01")
CURRENCY = re.compile(r"[A-Z]{3}")


def amount_problem(value: object) -> tuple[str, str] | None:
    """(rule, message) for a value that is not a JTL amount string, or None."""
    if not isinstance(value, str):
        kind = "a JSON number" if isinstance(value, int | float) and not isinstance(value, bool) else "not a string"
        return "type", f'must be a string such as "10.53" ({kind} given)'
    if len(value) < MIN_LENGTH:
        return "min_length", f"must be at least {MIN_LENGTH} characters long"
    if len(value) > MAX_LENGTH:
        return "max_length", f"must be at most {MAX_LENGTH} characters long"
    if AMOUNT.fullmatch(value) is None:
        return "pattern", "must be up to five digits, a point and exactly two digits (^\\d+\\.\\d{2}$)"
    return None


def decimal_of(value: str) -> Decimal:
    """A string that passed ``amount_problem``, as a Decimal."""
    return Decimal(value)


def shown(minor: int, currency: str) -> str:
    """Minor units as JTL's two-decimal string. An amount of a three-decimal currency that two
    decimals cannot hold is shown in full rather than rounded (it never came from this API)."""
    exact = Money(minor, currency).to_decimal()
    cents = exact.quantize(CENT)
    return f"{cents:f}" if cents == exact else f"{exact:f}"


def rate_shown(rate: Decimal | None) -> str | None:
    """A tax rate as a string with two decimals ("19.00"), or in full when it has more."""
    if rate is None:
        return None
    cents = rate.quantize(CENT)
    return f"{cents:f}" if cents == rate else f"{rate.normalize():f}"
