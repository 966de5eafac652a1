"""Spaaza users are the engine's members: ``user_id`` is the member's integer id, and the other
identifiers are member identifiers of these kinds. A voucher claimed for a member is held by
``member:<id>``, the one holder string this provider writes and reads."""

from __future__ import annotations

from voucher_engine import Engine, Member
from voucher_engine.plugin import errors

from voucher_engine_spaaza.errors import InvalidParameter, UserIdentifiersDisagree, UserNotFound
from voucher_engine_spaaza.wire import UserRef

#: Spaaza's user parameter -> the member identifier kind it is stored as.
IDENTIFIER_KINDS: dict[str, str] = {
    "username": "username",
    "member_number": "member_number",
    "authentication_point_identifier": "authentication_point",
    "auxiliary_identifier": "auxiliary",
    "referral_code": "referral_code",
}
#: The member identifier shown as ``user_entity_card`` (a retailer's own card: type "custom").
CARD_KIND = "card_number"
HOLDER_PREFIX = "member:"


def holder_of(member: Member) -> str:
    return f"{HOLDER_PREFIX}{member.id}"


def member_id_of(holder: str | None) -> int | None:
    """The member id of a holder this provider wrote; None for any other holder."""
    if holder is None or not holder.startswith(HOLDER_PREFIX):
        return None
    digits = holder[len(HOLDER_PREFIX):]
    return int(digits) if digits.isascii() and digits.isdigit() else None


def identifiers_of(user: UserRef) -> dict[str, str]:
    return {kind: value for name, kind in IDENTIFIER_KINDS.items() if (value := getattr(user, name)) is not None}


def find_user(engine: Engine, tenant_id: str, user: UserRef) -> Member:
    """The one member every given identifier names."""
    identifiers = identifiers_of(user)
    if user.user_id is None and not identifiers:
        raise InvalidParameter(
            "user: give at least one of user_id, username, member_number, "
            "authentication_point_identifier, auxiliary_identifier, referral_code"
        )
    try:
        return engine.find_member(tenant_id, member_id=user.user_id, identifiers=identifiers)
    except errors.NotFound:
        raise UserNotFound() from None
    except errors.ValidationError as error:
        # IdentifiersDisagree, or an identifier the registry refuses outright: either way these
        # identifiers do not name one user.
        raise UserIdentifiersDisagree(error.message) from None


def member_of_holder(engine: Engine, tenant_id: str, holder: str | None) -> Member | None:
    member_id = member_id_of(holder)
    if member_id is None:
        return None
    try:
        return engine.find_member(tenant_id, member_id=member_id)
    except errors.NotFound:
        return None
