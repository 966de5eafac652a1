"""JTL's wire types.

Request bodies are decoded loosely (every field ``Any``) and checked by ``validation``, so that
a 422 names *every* failing field at once (a decoder stops at the first) and a number sent
where JTL wants a string is refused with its field named, never coerced. Unknown fields are
ignored, as a drop-in host must accept what the original accepted. Responses carry exactly the
seed's fields, in its order; instants are RFC 3339 with ``+00:00``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec

UNSET = msgspec.UNSET


def rfc3339(instant: datetime) -> str:
    """``2017-07-21T17:32:28+00:00``: whole seconds, UTC, the offset spelt out."""
    return instant.astimezone(UTC).replace(microsecond=0).isoformat()


AMOUNT_DOC = 'A string: up to five digits, a point, exactly two digits ("10.53"); length 4-9.'
CURRENCY_DOC = "The three-letter ISO 4217 code; must match the voucher's currency."
# The fields are decoded as ``Any`` (see above); what the OpenAPI document says they must be is
# what ``validation`` accepts: ASCII digits only (the seed's ``\d`` would take any digit).
AMOUNT_SCHEMA = {"type": "string", "pattern": "^[0-9]{1,5}\\.[0-9]{2}$", "minLength": 4, "maxLength": 9}
CURRENCY_SCHEMA = {"type": "string", "pattern": "^[A-Z]{3}$", "minLength": 3, "maxLength": 3}
TEXT_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255}


class ReservationIn(msgspec.Struct, kw_only=True):
    amount: Annotated[
        Any, msgspec.Meta(description=AMOUNT_DOC, examples=["10.53"], extra_json_schema=AMOUNT_SCHEMA)
    ] = UNSET
    currency: Annotated[
        Any, msgspec.Meta(description=CURRENCY_DOC, examples=["EUR"], extra_json_schema=CURRENCY_SCHEMA)
    ] = UNSET
    code: Annotated[
        Any,
        msgspec.Meta(
            description="The voucher's code (at most 255 characters).", examples=["test"], extra_json_schema=TEXT_SCHEMA
        ),
    ] = UNSET
    pin: Annotated[
        Any,
        msgspec.Meta(
            description="The voucher's PIN, when it has one (at most 255).",
            examples=["test"],
            extra_json_schema={"anyOf": [TEXT_SCHEMA, {"type": "null"}]},
        ),
    ] = UNSET


class ChargeIn(msgspec.Struct, kw_only=True):
    order_number: Annotated[
        Any,
        msgspec.Meta(
            description="The shop's order number (1-255 characters).",
            examples=["AB-10042"],
            extra_json_schema=TEXT_SCHEMA,
        ),
    ] = UNSET


class RefundIn(msgspec.Struct, kw_only=True):
    amount: Annotated[
        Any,
        msgspec.Meta(
            description=AMOUNT_DOC + " At least 0.01, at most what the charge has left.",
            examples=["5.00"],
            extra_json_schema=AMOUNT_SCHEMA,
        ),
    ] = UNSET
    currency: Annotated[
        Any, msgspec.Meta(description=CURRENCY_DOC, examples=["EUR"], extra_json_schema=CURRENCY_SCHEMA)
    ] = UNSET


class ReservationOut(msgspec.Struct):
    id: str
    voucher_id: str
    voucher_taxable: bool
    voucher_tax_rate: str | None
    client_id: str
    amount: str
    valid_until: str
    created_at: str
    updated_at: str


class ReservationStatusOut(ReservationOut):
    """``GET /v1/reservations/{id}``: the reservation and what became of it."""

    status: str = "pending"  # pending, charged, cancelled, expired


class ChargeOut(msgspec.Struct):
    id: str
    voucher_id: str
    client_id: str
    type: str  # "charge"
    amount: str
    order_number: str | None
    created_at: str
    updated_at: str
    reservation_id: str | None = None


class RefundOut(msgspec.Struct):
    id: str
    voucher_id: str
    client_id: str
    type: str  # "refund"
    amount: str
    order_number: str | None
    created_at: str
    updated_at: str
    charge_id: str | None = None


class FieldErrorOut(msgspec.Struct):
    code: str
    property: str
    rule: str
    message: str


class ErrorOut(msgspec.Struct, omit_defaults=True):
    """Every error of the API but the token endpoint's (``oauth.OAuthErrorOut``)."""

    status: int
    code: str
    message: str
    errors: list[FieldErrorOut] | None = None
