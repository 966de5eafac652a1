"""The one seam between this provider and the core's identity services.

Every call into ``voucher_engine.identity`` (staff login and refresh, the staff directory, API
keys) is here, named as in the contracts of PLAN.md ("Identity"), so that a difference in a
name or a field shows up in this module only. The Identity used is the engine's shared one
(``engine.shared(Identity)``): a host that configures signing keys provides its own with
``engine.provide(Identity, Identity(engine, config))`` and this provider uses it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from voucher_engine import Engine
from voucher_engine.identity import Identity

#: The seed: "the JWT will be valid only by short duration time (1 day) after authentication".
ACCESS_TTL = timedelta(days=1)


def identity(engine: Engine) -> Identity:
    return engine.shared(Identity)


# --- login, refresh, verification ------------------------------------------------------------------


def scopes_by_email(engine: Engine, email: str) -> list[tuple[str, str]]:
    """(tenant, scope) pairs where a staff member with this email may log in, across tenants."""
    return list(identity(engine).staff.staff_scopes_by_email(email))


def login(engine: Engine, tenant_id: str, email: str, password: str, scope: str) -> Any:
    """``StaffTokens`` for one domain's scope, the access token valid one day."""
    return identity(engine).staff.login(tenant_id, email, password, scope, access_ttl=ACCESS_TTL)


def refresh(engine: Engine, access_token: str, refresh_token: str) -> Any:
    """Both tokens rotated (``StaffTokens``); a refresh token used twice revokes the family.
    The family keeps the login's access lifetime (identity's refresh reuses it)."""
    return identity(engine).staff.refresh(access_token, refresh_token)


def verify_staff(engine: Engine, token: str) -> Any:
    """The ``StaffPrincipal`` of a staff JWT (``has_permission(scope, name)``)."""
    return identity(engine).staff.verify_staff(token)


def verify_client_token(engine: Engine, token: str) -> Any:
    """The ``Principal`` (tenant_id, client_id, scopes) of an API client's access token."""
    return identity(engine).verify_access(token)


def verify_api_key(engine: Engine, key: str) -> Any:
    """The principal (``tenant_id``, ``scopes``) of an API key a tenant created for its staff
    integrations (VoucherCart's "API key"), or ``Unauthorized``."""
    return identity(engine).api_keys.verify_api_key(key)


# --- the staff directory ---------------------------------------------------------------------------


def list_users(engine: Engine, tenant_id: str) -> list[Any]:
    return list(identity(engine).staff.list_staff_users(tenant_id))


def user_by_public_id(engine: Engine, tenant_id: str, public_id: int) -> Any:
    """The ``StaffUser`` with this integer id in this tenant, or ``NotFound``."""
    return identity(engine).staff.staff_user_by_public_id(tenant_id, public_id)


def create_user(engine: Engine, tenant_id: str, *, email: str, password: str, full_name: str,
                phone: str | None) -> Any:
    return identity(engine).staff.create_staff_user(
        tenant_id, email, password, full_name=full_name, phone=phone, locale="en",
    )


def update_user(engine: Engine, tenant_id: str, user_id: str, *, email: str, full_name: str,
                phone: str | None) -> None:
    identity(engine).staff.update_staff_user(tenant_id, user_id, email=email, full_name=full_name, phone=phone)


def set_password(engine: Engine, tenant_id: str, user_id: str, password: str) -> None:
    """Also signs the user out everywhere (identity revokes every family)."""
    identity(engine).staff.set_staff_password(tenant_id, user_id, password)


def delete_user(engine: Engine, tenant_id: str, user_id: str) -> None:
    identity(engine).staff.delete_staff_user(tenant_id, user_id)


def set_grant(engine: Engine, tenant_id: str, user_id: str, scope: str, role: str | None,
              permissions: frozenset[str]) -> None:
    """A role and permission set in one scope; ``role=None`` takes the scope away."""
    identity(engine).staff.set_staff_permissions(tenant_id, user_id, scope, role, permissions)


def grants_of(user: Any) -> dict[str, tuple[str, frozenset[str]]]:
    """scope -> (role, permission set) of a ``StaffUser``."""
    permissions = getattr(user, "permissions", {}) or {}
    return {scope: (role, frozenset(permissions.get(scope, ()))) for scope, role in user.roles.items()}
