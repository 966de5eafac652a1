"""The wire types of the VoucherCart API, with the seed's field names and JSON types.

Requests are forms (authorize, refresh, redeem), query strings (user-domains, status) or JSON
(users). Unknown request fields are refused (code 1000): a typo such as ``reductr=2`` must not
silently redeem a voucher completely. Every request field is optional *in the type* and its
presence is checked by the handler, so that a missing parameter answers the seed's own code
1018 ("Required parameter missing") naming the field, whatever the decoder says about it;
the descriptions say which fields are required. Form and query values are strings on the wire:
the numbers among them (``domain``, ``reductor``) are checked by the handlers (``parse``).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

Short = Annotated[str, msgspec.Meta(max_length=255)]
Secret = Annotated[str, msgspec.Meta(max_length=1024)]
Token = Annotated[str, msgspec.Meta(max_length=8192)]


class Wire(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=False):
    """Requests: field names exactly as the seed spells them (they are camelCase already)."""


class Out(msgspec.Struct, omit_defaults=False):
    """Responses: every field always present, ``null`` where the seed shows ``null``."""


# --- authorisation --------------------------------------------------------------------------------


class AuthorizeForm(Wire):
    subdomain: Short | None = msgspec.field(default=None)  # required: the sales page to log in to


class RefreshForm(Wire, rename="camel"):
    access_token: Token | None = None  # required: the (possibly expired) JWT
    refresh_token: Token | None = None  # required: "RT..."


class UserDomainsQuery(Wire):
    email: Short | None = None  # required


class ProfileOut(Out, rename="camel"):
    email: str
    full_name: str
    id: int
    locale: str


class AuthorizeOut(Out, rename="camel"):
    access_token: str
    identified_by: str
    profile: ProfileOut
    refresh_token: str
    status: str = "authenticated"


class RefreshOut(Out, rename="camel"):
    access_token: str
    identified_by: str
    refresh_token: str
    status: str = "refreshed"


class DomainOut(Out):
    id: int
    name: str
    url: str


class DomainsOut(Out):
    domains: list[DomainOut]
    status: str = "success"


# --- vouchers ---------------------------------------------------------------------------------


class StatusQuery(Wire):
    code: Short | None = None  # required
    domain: Short | None = None  # an integer; may be left out when the token names one domain


class RedeemForm(Wire, rename="camel"):
    code: Short | None = None  # required
    domain: Short | None = None  # required, an integer
    reductor: Short | None = None  # optional positive integer; none: redeem completely
    redeem_date: Short | None = None  # optional "YYYY-MM-DD HH:MM" (UTC); none: now


class ExpirationOut(Out):
    from_: str | None = msgspec.field(name="from")
    to: str | None


class RedeemLineOut(Out, rename="camel"):
    amount: int
    redeem_at: str


class BuyerOut(Out, rename="camel"):
    """The seed's table types ``guest`` and ``handDelivery`` as strings, its samples as
    booleans: the samples win (a client parses what the host sends)."""

    city: str | None = None
    country: str | None = None
    county: str | None = None
    email: str | None = None
    guest: bool | None = None
    hand_delivery: bool | None = None
    house: str | None = None
    id: str | int | None = None
    name: str | None = None
    phone: str | None = None
    postcode: str | None = None
    street: str | None = None
    town: str | None = None


class ProductOut(Out, rename="camel"):
    currency: str | None = None
    delivery_type: str | None = None
    description: str | None = None
    hidden_price_on_voucher: bool | None = None
    id: int | None = None
    image: str | None = None
    image_no_price: str | None = None
    is_delivery_date_set: bool | None = None
    message: str | None = None
    name: str | None = None
    price: int | None = None
    price_on_voucher: str | None = None
    type: str | None = None
    voucher_type: str | None = None


class RecipientOut(Out, rename="camel"):
    city: str | None = None
    comment: str | None = None
    country: str | None = None
    county: str | None = None
    email: str | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    house_name: str | None = None
    name: str | None = None
    postcode: str | None = None
    street_name: str | None = None


class OrderOut(Out, rename="camel"):
    buyer: BuyerOut | None = None
    currency: str | None = None
    product: ProductOut | None = None
    purchased_at: str | None = None
    recipient: RecipientOut | None = None
    redeemed_date: str | None = None
    reference: str | None = None
    refund: int | None = None
    shipping_total: int | None = None
    sub_total: int | None = None
    tax_total: int | None = None
    total: int | None = None


class VoucherOut(Out, rename="camel"):
    code: str
    current: int  # spent so far: uses, or minor units of a monetary voucher
    expirations: list[ExpirationOut]
    monetary: bool
    multi_usable: bool
    order: OrderOut | None
    redeemable_on: list[int]
    redeemed: bool
    redeem_history: list[RedeemLineOut]
    remaining_string: str
    status: str  # in_progress, completed, refunded, expired (and cancelled)
    stock: int  # the voucher's value: uses, or minor units


# --- users ------------------------------------------------------------------------------------


class Permission(Wire, rename="camel"):
    domain_id: int | None = None  # required
    role_id: int | None = None  # required: 0 none, 1 administrator, 2 redeemer, 3 custom
    custom_permissions: list[Short] = msgspec.field(default_factory=list)


class UserCreate(Wire, rename="camel"):
    full_name: Short | None = None  # required
    email: Short | None = None  # required
    password: Secret | None = None  # required
    phone: Short | None = None
    permissions: list[Permission] | None = None  # required: one entry per domain


class UserUpdate(Wire, rename="camel"):
    full_name: Short | None = None  # required
    email: Short | None = None  # required
    phone: Short | None = None
    permissions: list[Permission] | None = None  # required: one entry per domain


class PasswordChange(Wire):
    password: Secret | None = None  # required
    password2: Secret | None = None  # required, equal to password


class PermissionOut(Out, rename="camel"):
    domain_id: int
    role_id: int
    custom_permissions: list[str]


class UserOut(Out, rename="camel"):
    id: int
    full_name: str
    email: str
    phone: str
    created_at: str  # dd/MM/yyyy HH:mm
    permissions: list[PermissionOut]


class UserCreated(Out, rename="camel"):
    user_id: int


# --- errors -------------------------------------------------------------------------------------


class ErrorOut(Out):
    """``{"code": 1000, "errors": {"email": ["..."]}, "message": "...", "status": "failed"}``"""

    code: int
    errors: dict[str, list[str]]
    message: str
    status: str = "failed"


def order_out(raw: Any) -> OrderOut | None:
    """A voucher's ``metadata["order"]`` as the Order object, or ``None`` when it has none or
    it does not fit the seed's types (an operator's mistake must not break redemption)."""
    if not isinstance(raw, dict):
        return None
    try:
        return msgspec.convert(raw, OrderOut)
    except msgspec.ValidationError:
        return None
