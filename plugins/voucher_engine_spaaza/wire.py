"""The wire types of Spaaza's claim-vouchers, lock-voucher, unlock-voucher and login calls.

Requests are checked field by field: an unknown field, a value that is not of the field's type
(``true`` or ``1.5`` for ``voucher_id``, ``"jane"`` for ``user_id``), a non-positive id, is
refused with ``invalid_parameter`` rather than guessed at; a typo must not claim someone else's
voucher. The adapter decodes JSON laxly, as it does for every provider: a string of digits
(``"4232324"``) fills an integer field with that integer, which names the same user or voucher.
Range rules whose failure has its own error name (1..10 vouchers, a lock of 120..3600 s) are
checked by the handlers, so that the name is stable whatever the decoder says.

Form bodies (lock-voucher, unlock-voucher, login) carry only strings; their integers are
strings of digits, checked here by pattern and converted by the handlers.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

Id = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
Digits = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,18}$")]
Seconds = Annotated[int, msgspec.Meta(description="120 to 3600; 300 when not given")]


class Wire(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The base of every request type: the provider's conventions in one place. (Subclasses
    inherit ``frozen``; they repeat it for type checkers, which do not.)"""


class Entity(Wire, frozen=True):
    chain_id: Id


class UserRef(Wire, frozen=True):
    """At least one identifier; every one given must name the same user."""

    user_id: Id | None = None
    username: Text | None = None
    member_number: Text | None = None
    authentication_point_identifier: Text | None = None
    auxiliary_identifier: Text | None = None
    referral_code: Text | None = None


class VoucherRefIn(Wire, frozen=True):
    """At least one of the three; several given must name the same voucher."""

    voucher_key: Text | None = None
    voucher_id: Id | None = None
    voucher_third_party_id: Text | None = None


class Locking(Wire, frozen=True):
    retailer_basket_code: Text | None = None
    voucher_locking_code: Text | None = None
    voucher_lock_period: Seconds | None = None


class ClaimVouchersRequest(Wire, frozen=True):
    entity: Entity
    user: UserRef
    vouchers: list[VoucherRefIn]
    locking: Locking | None = None


class VoucherForm(Wire, frozen=True):
    """How lock-voucher and unlock-voucher name their voucher (form or multipart)."""

    voucher_key: Text | None = None
    voucher_id: Digits | None = None
    voucher_third_party_id: Text | None = None
    #: Optional: when given it must be the caller's chain.
    chain_id: Digits | None = None


class LockForm(VoucherForm, frozen=True):
    voucher_lock_period: Digits | None = None
    voucher_locking_code: Text | None = None
    retailer_basket_code: Text | None = None


class UnlockForm(VoucherForm, frozen=True):
    pass


class LoginForm(Wire, frozen=True):
    username: Text
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    chain_id: Digits


# --- responses ----------------------------------------------------------------------------------


class Out(msgspec.Struct, frozen=True, omit_defaults=False):
    pass


class ResultOk(Out, frozen=True):
    code: int = 1
    status: str = "ok"


class ResultError(Out, frozen=True):
    code: int = 2
    status: str = "error"


class ErrorDetail(Out, frozen=True):
    code: int
    name: str
    description: str


class ErrorResponse(Out, frozen=True):
    result: ResultError
    error: ErrorDetail


class CreatingUser(Out, frozen=True):
    full_name: str | None
    user_id: int | None


class EntityCard(Out, frozen=True):
    code: str
    type: str


Number = int | float  # whole amounts are integers (the seed's 20), others decimals (12.5)


class VoucherOut(Out, frozen=True):
    """One voucher as the seed shows it, key for key; ``voucher_locked_until`` is added."""

    campaign_id: int | None
    campaign_image_dimension_x: int | None
    campaign_image_dimension_y: int | None
    campaign_image_filename: str | None
    campaign_image_link: str | None
    campaign_image_url: str | None
    campaign_owner_code: str | None
    campaign_product_promotion_type: str | None
    campaign_title: str | None
    campaign_type: str | None
    creating_user: CreatingUser | None
    generating_return_transaction: None
    parent_voucher: None
    redeeming_basket: None
    user_entity_card: EntityCard | None
    user_id: int | None
    voucher_amount: Number
    voucher_amount_original: Number
    voucher_amount_redeemed: Number
    voucher_created_datetime: str
    voucher_currency_code: str | None
    voucher_currency_id: int | None
    voucher_currency_symbol: str | None
    voucher_description: str | None
    voucher_discount_ratio: Number
    voucher_expiry_datetime_utc: str | None
    voucher_expiry_seconds_remaining: int | None
    voucher_honour_code: str | None
    voucher_id: int
    voucher_image_url: str | None
    voucher_key: str
    voucher_locked: bool
    voucher_locked_until: str | None
    voucher_notes: str | None
    voucher_redeemed_datetime: str | None
    voucher_status: str
    voucher_text: str | None
    voucher_third_party_id: str | None
    voucher_title: str | None
    voucher_type: str


class ClaimResults(Out, frozen=True):
    vouchers: list[VoucherOut]
    result_type: str = "claim-vouchers"


class ClaimResponse(Out, frozen=True):
    result: ResultOk
    results: ClaimResults


class VoucherResults(VoucherOut, frozen=True):
    result_type: str


class LockResults(VoucherOut, frozen=True):
    voucher_locking_code: str | None
    voucher_retailer_basket_code_exclusive: str | None
    result_type: str


class VoucherResponse(Out, frozen=True):
    result: ResultOk
    results: VoucherResults


class LockResponse(Out, frozen=True):
    result: ResultOk
    results: LockResults


class SessionOut(Out, frozen=True):
    user_id: int
    username: str
    session_key: str
    session_expiry_datetime_utc: str
    chain_id: int


class LoginResults(Out, frozen=True):
    session: SessionOut
    result_type: str = "login"


class LoginResponse(Out, frozen=True):
    result: ResultOk
    results: LoginResults
