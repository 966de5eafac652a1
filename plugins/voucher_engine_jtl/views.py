"""Building JTL's response bodies from what the engine answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from voucher_engine import Money, Voucher
from voucher_engine.plugin import FieldError, errors
from voucher_engine_jtl.amounts import rate_shown, shown
from voucher_engine_jtl.validation import Problem
from voucher_engine_jtl.wire import ReservationOut, ReservationStatusOut, rfc3339

#: Idempotency keys are scoped per client: two shops may pick the same key without ever
#: seeing each other's answers.
SCOPE_PREFIX = "jtl:"


def refuse(problems: list[Problem]) -> None:
    """Raise the 422 naming every failing field, if there is one."""
    if problems:
        raise errors.ValidationError(
            "the request is invalid",
            fields=tuple(FieldError(p.property, p.rule, p.message) for p in problems),
        )


def money(amount: Decimal, currency: str) -> Money:
    """A checked wire amount in ``currency``: ``UnknownCurrency`` for a code the engine does not
    know, ``InvalidAmount`` when the currency has fewer decimals than the amount uses."""
    return Money.from_decimal(amount, currency)


def tax_rate(voucher: Voucher) -> str | None:
    """JTL: "only needed when taxable is true, can also be null"."""
    return rate_shown(voucher.tax_rate) if voucher.taxable else None


class ReservationFacts(TypedDict):
    hold_id: str
    voucher: Voucher
    client_id: str
    amount: int
    valid_until: datetime
    created_at: datetime
    updated_at: datetime


def reservation_fields(
    *,
    hold_id: str,
    voucher: Voucher,
    client_id: str,
    amount: int,
    valid_until: datetime,
    created_at: datetime,
    updated_at: datetime,
) -> dict[str, Any]:
    return {
        "id": hold_id,
        "voucher_id": voucher.id,
        "voucher_taxable": voucher.taxable,
        "voucher_tax_rate": tax_rate(voucher),
        "client_id": client_id,
        "amount": shown(amount, voucher.currency or ""),
        "valid_until": rfc3339(valid_until),
        "created_at": rfc3339(created_at),
        "updated_at": rfc3339(updated_at),
    }


def reservation_out(**fields: Unpack[ReservationFacts]) -> ReservationOut:
    return ReservationOut(**reservation_fields(**fields))


def reservation_status_out(status: str, **fields: Unpack[ReservationFacts]) -> ReservationStatusOut:
    return ReservationStatusOut(**reservation_fields(**fields), status=status)
