"""Who may call an admin operation: a client-credentials access token with a fitting scope.

Scopes (docs/admin-api.md):

- ``admin``: everything;
- ``admin:read``: every read (GET) except a pool's code export;
- one scope per area for its changes and reads: ``admin:identity`` (API clients, distributors,
  partners, staff users), ``admin:catalog`` (campaigns, stores, offers), ``admin:pools``,
  ``admin:vouchers``, ``admin:webhooks``.

A missing, forged or expired token is 401; a valid token without a fitting scope is 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from voucher_engine import Engine
from voucher_engine.identity import Principal
from voucher_engine.plugin import AuthScheme, Credentials, errors
from voucher_engine_admin.context import services

ADMIN = "admin"
READ = "admin:read"
#: Creating and listing tenants: the platform operator's scope, which ``admin`` does not cover.
TENANTS = "admin:tenants"
AREAS = ("identity", "catalog", "pools", "vouchers", "webhooks")
AREA_SCOPES = frozenset(f"admin:{area}" for area in AREAS)
ADMIN_SCOPES = frozenset({ADMIN, READ}) | AREA_SCOPES


def accepted_scopes(area: str, *, write: bool) -> frozenset[str]:
    """The scopes any one of which lets a caller in."""
    accepted = {ADMIN, f"admin:{area}"}
    if not write:
        accepted.add(READ)
    return frozenset(accepted)


def _authenticate(accepted: frozenset[str], engine: Engine, credentials: Credentials) -> Principal:
    if not credentials.token:
        raise errors.Unauthorized("missing bearer token")
    principal = services(engine).identity.verify_access(credentials.token)
    if not principal.scopes & accepted:
        raise errors.Forbidden(f"this operation needs one of the scopes {' '.join(sorted(accepted))}")
    return principal


def bearer(area: str, *, write: bool) -> AuthScheme:
    accepted = accepted_scopes(area, write=write)
    return AuthScheme(
        "bearer",
        partial(_authenticate, accepted),
        description="An access token from POST /oauth/token (client credentials)",
    )


def check_grantable(principal: Principal, scopes: Iterable[str]) -> None:
    """Refuse to hand out an admin scope the caller does not hold itself: ``admin:identity``
    may create clients, but not promote one (or itself, through one) to ``admin``. ``admin``
    covers every scope of its own tenant, but never ``admin:tenants``, which crosses tenants."""
    held = principal.scopes

    def grantable(scope: str) -> bool:
        if scope != ADMIN and not scope.startswith("admin:"):
            return True
        return scope in held or (ADMIN in held and scope != TENANTS)

    beyond = sorted(s for s in scopes if not grantable(s))
    if beyond:
        raise errors.Forbidden(f"you may not grant scopes you do not hold: {' '.join(beyond)}")
