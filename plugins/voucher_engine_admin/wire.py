"""Conventions of every admin wire type: snake_case JSON, unknown fields refused, amounts as
decimal strings in the object's currency ("10.50" EUR), instants as RFC 3339 with an offset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from voucher_engine import Money

#: Ids of tenants' objects (pools, stores, offers, campaigns, distributors ...).
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
#: A decimal amount; the currency decides how many decimals it may have.
Amount = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,12}(\.[0-9]{1,4})?$")]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
Instant = Annotated[datetime, msgspec.Meta(tz=True)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
MAX_LIST = 100


class Wire(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=False):
    """The base of every admin request and response type."""


def minor(amount: str, currency: str) -> int:
    return Money.parse(amount, currency).minor


def shown(minor_units: int | None, currency: str | None) -> str | None:
    """Minor units as the decimal string clients send back."""
    if minor_units is None or currency is None:
        return None
    return Money(minor_units, currency).format()


def instant(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class FieldErrorOut(msgspec.Struct):
    field: str  # its path as sent: "starts_at", "validity[0].end", "Content-Type"
    rule: str  # "type", "required", "minimum", "characters" ...
    message: str


class ErrorOut(msgspec.Struct):
    """Every error's body (the token endpoint's: ``oauth.OAuthErrorOut``)."""

    code: str
    message: str
    fields: list[FieldErrorOut] | None = None  # present when the fields at fault are known
