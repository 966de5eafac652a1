"""Spaaza users are the engine's members.

Spaaza numbers its users itself (the seed's 4232324); the engine numbers members its own way
and a host cannot choose a member's id. So a Spaaza ``user_id`` is a member identifier of the
kind ``external:spaaza`` (its decimal digits), like the other user parameters, which are member
identifiers of the kinds below. A host registers a Spaaza user with
``engine.put_member(tenant, {"external:spaaza": "4232324", "username": ...})``.

A voucher claimed for a member is held by ``member:<engine member id>``, the one holder string
this provider writes and reads; the answer's ``user_id`` is that member's Spaaza user id (null
for a member that has none).
"""

from __future__ import annotations

from voucher_engine import Engine, Member
from voucher_engine.plugin import errors
from voucher_engine_spaaza.errors import InvalidParameter, UserIdentifiersDisagree, UserNotFound
from voucher_engine_spaaza.wire import UserRef

#: The member identifier kind holding a member's Spaaza user id.
USER_ID_KIND = "external:spaaza"
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
    """The engine member id of a holder this provider wrote; None for any other holder."""
    if holder is None or not holder.startswith(HOLDER_PREFIX):
        return None
    digits = holder[len(HOLDER_PREFIX) :]
    return int(digits) if digits.isascii() and digits.isdigit() else None


def spaaza_user_id(member: Member | None) -> int | None:
    """The member's Spaaza user id, or None when it has none (never the engine's own id, which
    could be another user's Spaaza id)."""
    raw = member.identifiers.get(USER_ID_KIND) if member is not None else None
    return int(raw) if raw is not None and raw.isascii() and raw.isdigit() else None


def identifiers_of(user: UserRef) -> dict[str, str]:
    found = {kind: value for name, kind in IDENTIFIER_KINDS.items() if (value := getattr(user, name)) is not None}
    if user.user_id is not None:
        found[USER_ID_KIND] = str(user.user_id)
    return found


def find_user(engine: Engine, tenant_id: str, user: UserRef) -> Member:
    """The one member every given identifier names.

    The engine passes over identifiers it does not know; Spaaza's "all given must agree" does
    not: an identifier that names nobody, given beside one that names the user, is a
    disagreement too (it might be a typo for someone else's)."""
    identifiers = identifiers_of(user)
    if not identifiers:
        raise InvalidParameter(
            "user: give at least one of user_id, username, member_number, "
            "authentication_point_identifier, auxiliary_identifier, referral_code"
        )
    try:
        member = engine.find_member(tenant_id, identifiers=identifiers)
    except errors.NotFound:
        raise UserNotFound() from None
    except errors.ValidationError as error:
        # IdentifiersDisagree, or an identifier the registry refuses outright: either way these
        # identifiers do not name one user.
        raise UserIdentifiersDisagree(error.message) from None
    strangers = sorted(kind for kind, value in identifiers.items() if member.identifiers.get(kind) != value)
    if strangers:
        raise UserIdentifiersDisagree("the given user identifiers do not all name the same user")
    return member


def member_of_holder(engine: Engine, tenant_id: str, holder: str | None) -> Member | None:
    member_id = member_id_of(holder)
    if member_id is None:
        return None
    try:
        return engine.find_member(tenant_id, member_id=member_id)
    except errors.NotFound:
        return None
