"""Who may call an operation: an access token from ``POST /oauth/token`` holding the
operation's scope. The token says the client and its tenant; the client reaches only its
tenant's vouchers, reservations and charges (anything else is "not found").

Scopes (JTL's): ``read``, ``read-lists``, ``read-secrets``, ``use`` (activate, reserve, charge,
cancel), ``manage`` (create, delete vouchers), ``update``, ``recharge``. A missing, forged or
expired token is 401; a valid token without the scope is 403.
"""

from __future__ import annotations

from functools import partial

from voucher_engine import Engine
from voucher_engine.identity import Identity, Principal
from voucher_engine.plugin import AuthScheme, Credentials, errors

READ, READ_LISTS, READ_SECRETS, USE, MANAGE, UPDATE, RECHARGE = (
    "read",
    "read-lists",
    "read-secrets",
    "use",
    "manage",
    "update",
    "recharge",
)
SCOPES = frozenset({READ, READ_LISTS, READ_SECRETS, USE, MANAGE, UPDATE, RECHARGE})


def _authenticate(scope: str, engine: Engine, credentials: Credentials) -> Principal:
    if not credentials.token:
        raise errors.Unauthorized("missing bearer token")
    principal = engine.shared(Identity).verify_access(credentials.token)
    if scope not in principal.scopes:
        raise errors.Forbidden(f"this operation needs the scope {scope!r}", scope=scope)
    return principal


def bearer(scope: str) -> AuthScheme:
    return AuthScheme(
        "bearer",
        partial(_authenticate, scope),
        description=f"An access token from POST /oauth/token with the scope {scope!r}",
    )
