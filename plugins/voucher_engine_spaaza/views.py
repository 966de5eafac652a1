"""A voucher as Spaaza shows it (the seed's 39 keys, each in the seed's JSON type).

Where each value comes from:

- ``voucher_id`` is the voucher's public id, ``voucher_key`` its code, ``voucher_third_party_id``
  its third-party id; ``user_id`` the Spaaza user id of the member holding it (users.py),
  ``user_entity_card`` that member's ``card_number`` identifier (type "custom": the
  retailer's own card), else null.
- amounts are major units of the voucher's currency (integers when whole: the seed's 20);
  ``voucher_amount`` is what is left (available and held), ``voucher_amount_redeemed`` what
  was spent, ``voucher_amount_original`` the issued value. A voucher counting uses shows uses
  and no currency.
- ``campaign_id`` is the engine campaign's id when it is a number, ``campaign_title`` its name.
- the presentation fields Spaaza keeps and the engine has no column for (campaign type and
  images, texts, ``voucher_type``, ``creating_user`` ...) are read from the voucher's metadata
  under ``"spaaza"``; a value of the wrong JSON type there is shown as null, never passed on.
- always null: ``generating_return_transaction``, ``parent_voucher``, ``redeeming_basket``
  (the engine has no returns, voucher trees or baskets).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from voucher_engine import Engine, Member, Money, State, Voucher
from voucher_engine.plugin import errors
from voucher_engine_spaaza.currencies import currency_id, currency_symbol
from voucher_engine_spaaza.settings import settings_of
from voucher_engine_spaaza.users import CARD_KIND, member_id_of, member_of_holder, spaaza_user_id
from voucher_engine_spaaza.wire import CreatingUser, EntityCard, VoucherOut

STATUS: dict[State, str] = {
    State.AVAILABLE: "generated",
    State.RESERVED: "generated",
    State.CONFIRMED: "generated",
    State.READY: "generated",
    State.CLAIMED: "claimed",
    State.PARTIALLY_REDEEMED: "claimed",
    State.REDEEMED: "redeemed",
    State.EXPIRED: "expired",
    State.CANCELLED: "cancelled",
    State.REFUND_REQUESTED: "cancelled",
    State.REFUNDED: "cancelled",
}

_TEXT_FIELDS = (
    "campaign_image_filename",
    "campaign_image_link",
    "campaign_image_url",
    "campaign_owner_code",
    "campaign_product_promotion_type",
    "campaign_type",
    "voucher_description",
    "voucher_honour_code",
    "voucher_image_url",
    "voucher_notes",
    "voucher_text",
    "voucher_title",
)


def utc_text(instant: datetime | None) -> str | None:
    """``2024-07-23T15:37:06+00:00``: the seed's format, whole seconds in UTC."""
    if instant is None:
        return None
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def seconds_until(instant: datetime | None, now: datetime) -> int | None:
    if instant is None:
        return None
    return max(0, int((instant - now).total_seconds()))


def number(value: Decimal | int) -> int | float:
    """A JSON number: an integer when whole, else the shortest decimal (12.5)."""
    if isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def _amount(voucher: Voucher, units: int) -> int | float:
    if voucher.monetary and voucher.currency is not None:
        return number(Money(units, voucher.currency).to_decimal())
    return units


def _text(facts: Mapping[str, Any], name: str) -> str | None:
    value = facts.get(name)
    return value if isinstance(value, str) else None


def _int(facts: Mapping[str, Any], name: str) -> int | None:
    value = facts.get(name)
    return value if type(value) is int else None


def _creating_user(facts: Mapping[str, Any]) -> CreatingUser | None:
    user = facts.get("creating_user")
    if not isinstance(user, dict):
        return None
    full_name, user_id = user.get("full_name"), user.get("user_id")
    return CreatingUser(full_name if isinstance(full_name, str) else None, user_id if type(user_id) is int else None)


def _card(member: Member | None) -> EntityCard | None:
    code = member.identifiers.get(CARD_KIND) if member is not None else None
    return EntityCard(code=code, type="custom") if code else None


@dataclass
class Viewer:
    """Renders vouchers of one tenant at one instant; reads each campaign and member once."""

    engine: Engine
    tenant_id: str
    now: datetime
    members: dict[int, Member | None] = field(default_factory=dict)
    _campaigns: dict[str, str | None] = field(default_factory=dict)

    def campaign_title(self, campaign_id: str | None) -> str | None:
        if campaign_id is None:
            return None
        if campaign_id not in self._campaigns:
            try:
                self._campaigns[campaign_id] = self.engine.get_campaign(self.tenant_id, campaign_id).name
            except errors.NotFound:
                self._campaigns[campaign_id] = None
        return self._campaigns[campaign_id]

    def member(self, holder: str | None) -> Member | None:
        member_id = member_id_of(holder)
        if member_id is None:
            return None
        if member_id not in self.members:
            self.members[member_id] = member_of_holder(self.engine, self.tenant_id, holder)
        return self.members[member_id]

    def voucher(self, voucher: Voucher) -> VoucherOut:
        return VoucherOut(**self.fields(voucher))

    def fields(self, voucher: Voucher) -> dict[str, Any]:
        raw = voucher.metadata.get("spaaza")
        facts: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
        left = voucher.available + voucher.held
        currency = voucher.currency
        campaign = voucher.campaign_id
        ratio = facts.get("voucher_discount_ratio", 0)
        holder = self.member(voucher.holder)
        return {
            **{name: _text(facts, name) for name in _TEXT_FIELDS},
            "campaign_id": int(campaign)
            if campaign is not None and campaign.isascii() and campaign.isdigit()
            else None,
            "campaign_image_dimension_x": _int(facts, "campaign_image_dimension_x"),
            "campaign_image_dimension_y": _int(facts, "campaign_image_dimension_y"),
            "campaign_title": self.campaign_title(campaign),
            "creating_user": _creating_user(facts),
            "generating_return_transaction": None,
            "parent_voucher": None,
            "redeeming_basket": None,
            "user_entity_card": _card(holder),
            "user_id": spaaza_user_id(holder),
            "voucher_amount": _amount(voucher, left),
            "voucher_amount_original": _amount(voucher, voucher.initial),
            "voucher_amount_redeemed": _amount(voucher, voucher.initial - left),
            "voucher_created_datetime": utc_text(voucher.created_at),
            "voucher_currency_code": currency,
            "voucher_currency_id": currency_id(currency, settings_of(self.engine).currency_ids) if currency else None,
            "voucher_currency_symbol": currency_symbol(currency) if currency else None,
            "voucher_discount_ratio": ratio if type(ratio) in (int, float) else 0,
            "voucher_expiry_datetime_utc": utc_text(voucher.expires_at),
            "voucher_expiry_seconds_remaining": seconds_until(voucher.expires_at, self.now),
            "voucher_id": voucher.public_id,
            "voucher_key": voucher.code,
            "voucher_locked": voucher.is_locked(self.now),
            "voucher_locked_until": utc_text(voucher.locked_until) if voucher.is_locked(self.now) else None,
            "voucher_redeemed_datetime": utc_text(voucher.updated_at) if voucher.state is State.REDEEMED else None,
            "voucher_status": STATUS.get(voucher.state, voucher.state.value),
            "voucher_third_party_id": voucher.third_party_id,
            "voucher_type": _text(facts, "voucher_type") or "basket",
        }
