"""The one seam between this provider and the core's identity services.

Every call into ``voucher_engine.identity`` (staff login and refresh, the staff directory, the
check of a bearer token) is here, so that a difference in a name or a field shows up in this
module only. The Identity used is the engine's shared one (``engine.shared(Identity)``): a
host that configures signing keys provides its own with
``engine.provide(Identity, Identity(engine, config))`` and this provider uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from voucher_engine import Engine
from voucher_engine.identity import Identity, StaffGrant, StaffPrincipal, StaffTokens, StaffUser

#: The seed: "the JWT will be valid only by short duration time (1 day) after authentication".
ACCESS_TTL = timedelta(days=1)

Grants = Mapping[str, StaffGrant]


def identity(engine: Engine) -> Identity:
    return engine.shared(Identity)


# --- login, refresh, verification ------------------------------------------------------------------


def scopes_by_email(engine: Engine, email: str) -> list[tuple[str, str]]:
    """(tenant, scope) pairs where a staff member with this email may log in, across tenants."""
    return list(identity(engine).staff.staff_scopes_by_email(email))


def login(engine: Engine, tenant_id: str, email: str, password: str, scope: str) -> StaffTokens:
    """Tokens for one domain's scope, the access token valid one day (kept by every refresh)."""
    return identity(engine).staff.login(tenant_id, email, password, scope, access_ttl=ACCESS_TTL)


def refresh(engine: Engine, access_token: str, refresh_token: str) -> StaffTokens:
    """Both tokens rotated; a refresh token used twice revokes the family."""
    return identity(engine).staff.refresh(access_token, refresh_token)


def verify_bearer(engine: Engine, token: str) -> StaffPrincipal:
    """The staff member behind a staff JWT or one of their API keys (``ak_...``), with their
    grants as they are now."""
    return identity(engine).verify_staff_bearer(token)


# --- the staff directory ---------------------------------------------------------------------------


def list_users(engine: Engine, tenant_id: str) -> list[StaffUser]:
    return list(identity(engine).staff.list_staff_users(tenant_id))


def user_by_public_id(engine: Engine, tenant_id: str, public_id: int) -> StaffUser:
    """The user with this integer id in this tenant, or ``StaffUserNotFound``."""
    return identity(engine).staff.find_staff_user(tenant_id, public_id=public_id)


def create_user(
    engine: Engine, tenant_id: str, *, email: str, password: str, full_name: str, phone: str | None, grants: Grants
) -> StaffUser:
    """The user and their grants, in one write."""
    return identity(engine).staff.create_staff_user(
        tenant_id,
        email,
        password,
        full_name=full_name,
        phone=phone,
        locale="en",
        grants=grants,
    )


def update_user(
    engine: Engine, tenant_id: str, user_id: str, *, email: str, full_name: str, phone: str, grants: Grants
) -> None:
    """Profile and every grant of the user replaced, in one write (``phone=""`` clears it)."""
    identity(engine).staff.update_staff_user(
        tenant_id,
        user_id,
        email=email,
        full_name=full_name,
        phone=phone,
        grants=grants,
    )


def set_password(engine: Engine, tenant_id: str, user_id: str, password: str) -> None:
    """Also signs the user out everywhere (identity revokes every family)."""
    identity(engine).staff.set_staff_password(tenant_id, user_id, password)


def delete_user(engine: Engine, tenant_id: str, user_id: str) -> None:
    identity(engine).staff.delete_staff_user(tenant_id, user_id)


def grants_of(user: StaffUser) -> dict[str, StaffGrant]:
    """scope -> grant of a user, as stored."""
    return dict(user.grants)
