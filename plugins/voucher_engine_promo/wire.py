"""The wire types of the Voucher Request API, exactly as the partner documents them.

Unknown request fields are ignored rather than refused: a point-of-sale fleet is updated
terminal by terminal, and a drop-in host must not start rejecting a request the original host
accepted because some terminals send an extra field. Types are strict: a number where a
string belongs is refused, never coerced.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

# Lengths bound what a terminal can make us store; ids are the engine's 1..64 characters.
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class VoucherRequest(msgspec.Struct, frozen=True):
    distributor_id: Id
    terminal_id: Label
    trigger_category_id: Id
    trigger_product_id: Label | None = None


class VoucherResponse(msgspec.Struct, frozen=True):
    campaign_id: str
    voucher_code: str
    expiry_date: str  # ISO 8601 UTC, or "" for a campaign that never ends
    issued_at: str  # ISO 8601 UTC


class ErrorResponse(msgspec.Struct, frozen=True):
    message: str


class ErrorOut(msgspec.Struct):
    """Every error's body."""

    message: str
