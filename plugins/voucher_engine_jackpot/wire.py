"""The wire types of the Jackpot API: camelCase fields, like the seed's ``storeId`` and
``offerId``; amounts are decimal strings ("47.50") so no float ever touches money. Unknown
request fields are refused: a typo in ``price`` must not reserve something else."""

from __future__ import annotations

from typing import Annotated

import msgspec

Amount = Annotated[str, msgspec.Meta(pattern=r"^\d{1,9}(\.\d{1,4})?$", description="A decimal amount, e.g. 47.50")]
Jwt = Annotated[str, msgspec.Meta(min_length=1, max_length=8192)]


class Wire(msgspec.Struct, forbid_unknown_fields=True, rename="camel", omit_defaults=False):
    """The base of every wire type: the partner's conventions in one place."""


class TokenRequest(Wire):
    token: Jwt


class SessionOut(Wire):
    session_token: str
    expires_at: str
    amount: str
    currency: str


class OfferOut(Wire):
    id: str
    store_id: str
    name: str
    currency: str
    discount_percent: str  # "5.00": the price is the value less this share
    denominations: list[str] | None = None
    min_value: str | None = None
    max_value: str | None = None
    step: str | None = None


class StoreOut(Wire):
    id: str
    name: str
    url: str | None
    offers: list[OfferOut]


class ProposalOut(Wire):
    store_id: str
    store_name: str
    offer_id: str
    offer_name: str
    value: str  # the voucher's face value
    price: str  # what it costs the session
    currency: str


class OfferDetailsOut(Wire):
    offer: OfferOut
    proposals: list[ProposalOut]


class AmountQuery(Wire):
    amount: Amount | None = None  # a budget below the session's; the session amount by default


class ReserveByPrice(Wire):
    price: Amount


class ReserveByValue(Wire):
    value: Amount


class VoucherOut(Wire):
    voucher_id: str
    state: str  # RESERVED, CONFIRMED, READY, CANCELLED, EXPIRED, REFUND_REQUESTED, REFUNDED
    store_id: str
    offer_id: str
    value: str
    price: str
    currency: str
    reserved_until: str
    customer_reference: str
    code: str | None = None  # only once READY
    expires_at: str | None = None


class ReadyUrlOut(Wire):
    voucher_id: str
    url: str


class ErrorOut(msgspec.Struct):
    """Every error's body."""

    code: str
    message: str
