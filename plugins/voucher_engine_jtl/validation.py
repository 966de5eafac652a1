"""Checking request bodies field by field, every failure collected (JTL's 422 lists them all).

Pure: no engine, no provider model. Each check returns the parsed values and the list of
``Problem``s; the handlers turn problems into ``errors.ValidationError(fields=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from voucher_engine_jtl.amounts import CURRENCY, amount_problem, decimal_of
from voucher_engine_jtl.wire import UNSET

MAX_TEXT = 255


@dataclass(frozen=True, slots=True)
class Problem:
    property: str
    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class Reservation:
    amount: Decimal
    currency: str
    code: str
    pin: str | None


@dataclass(frozen=True, slots=True)
class Refund:
    amount: Decimal
    currency: str


def _amount(value: Any, problems: list[Problem], name: str = "amount") -> Decimal | None:
    if value is UNSET:
        problems.append(Problem(name, "required", f"{name} is required"))
        return None
    problem = amount_problem(value)
    if problem is not None:
        problems.append(Problem(name, problem[0], f"{name} {problem[1]}"))
        return None
    amount = decimal_of(value)
    if amount <= 0:
        problems.append(Problem(name, "minimum", f"{name} must be at least 0.01"))
        return None
    return amount


def _currency(value: Any, problems: list[Problem]) -> str | None:
    if value is UNSET:
        problems.append(Problem("currency", "required", "currency is required"))
    elif not isinstance(value, str):
        problems.append(Problem("currency", "type", "currency must be a string"))
    elif len(value) != 3:
        problems.append(Problem("currency", "length", "currency must be exactly 3 characters long"))
    elif CURRENCY.fullmatch(value) is None:
        problems.append(Problem("currency", "pattern", "currency must be an ISO 4217 code in capitals"))
    else:
        return value
    return None


def _text(value: Any, name: str, problems: list[Problem], *, required: bool) -> str | None:
    if value is UNSET or (value is None and not required):
        if required:
            problems.append(Problem(name, "required", f"{name} is required"))
        return None
    if not isinstance(value, str):
        problems.append(Problem(name, "type", f"{name} must be a string"))
    elif value == "":
        problems.append(Problem(name, "min_length", f"{name} must not be empty"))
    elif len(value) > MAX_TEXT:
        problems.append(Problem(name, "max_length", f"{name} must be at most {MAX_TEXT} characters long"))
    else:
        return value
    return None


def check_reservation(body: Any) -> tuple[Reservation | None, list[Problem]]:
    problems: list[Problem] = []
    amount = _amount(body.amount, problems)
    currency = _currency(body.currency, problems)
    code = _text(body.code, "code", problems, required=True)
    pin = _text(body.pin, "pin", problems, required=False)
    if problems:
        return None, problems
    assert amount is not None and currency is not None and code is not None
    return Reservation(amount, currency, code, pin), problems


def check_charge(body: Any) -> tuple[str | None, list[Problem]]:
    problems: list[Problem] = []
    order_number = _text(body.order_number, "order_number", problems, required=True)
    return order_number, problems


def check_refund(body: Any) -> tuple[Refund | None, list[Problem]]:
    problems: list[Problem] = []
    amount = _amount(body.amount, problems)
    currency = _currency(body.currency, problems)
    if problems:
        return None, problems
    assert amount is not None and currency is not None
    return Refund(amount, currency), problems
