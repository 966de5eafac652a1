"""Who may read the adapter's operational routes: ``/metrics`` and ``/stats``.

``/metrics`` names every tenant and pool: it answers only ``Authorization: Bearer <token>``
with the token the operator configured (``metrics_token``), compared in constant time and
checked without the database, so a scrape still answers (``database_up 0``) when the
database does not. No token configured: it answers nobody.

``/stats`` answers access tokens of the client-credentials grant with the admin API's scopes
(docs/admin-api.md):

- ``admin:tenants``, the platform operator's scope (one that a tenant's ``admin`` cannot
  grant): every tenant's figures, or one tenant's;
- ``admin`` or ``admin:read`` of a tenant: that tenant's figures only.

A missing or bad token is 401, a token without a fitting scope 403, whatever was asked for,
and another tenant is "not found" like a tenant that does not exist, so no answer says whether
a tenant exists. Failed tokens count against the client address like every other failed
authentication (``voucher_engine.identity.attempts``).
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request

from voucher_engine import Engine
from voucher_engine.errors import Forbidden, Unauthorized
from voucher_engine.identity import Identity, Principal

OPERATOR_SCOPE = "admin:tenants"
TENANT_SCOPES = frozenset({"admin", "admin:read"})


#: The shortest metrics token accepted: it is the only thing between a scraper and the figures.
MIN_METRICS_TOKEN = 16


def _bearer(request: Request[Any, Any, Any]) -> str:
    kind, _, token = request.headers.get("authorization", "").partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token")
    return token.strip()


def bearer_principal(engine: Engine, request: Request[Any, Any, Any]) -> Principal:
    """The client behind the request's bearer token; ``Unauthorized`` without a valid one."""
    return engine.shared(Identity).verify_access(_bearer(request))


def check_metrics_token(engine: Engine, request: Request[Any, Any, Any], expected: str | None) -> None:
    """``Unauthorized`` unless the request carries the configured metrics token."""
    token = _bearer(request)
    with engine.shared(Identity).attempts.limited():  # a wrong one counts against the address
        if expected is None or not hmac.compare_digest(token.encode(), expected.encode()):
            raise Unauthorized("invalid metrics token")


def is_operator(principal: Principal) -> bool:
    return OPERATOR_SCOPE in principal.scopes


def require_tenant_reader(principal: Principal) -> None:
    if not principal.scopes & TENANT_SCOPES:
        raise Forbidden(f"this route needs one of the scopes {OPERATOR_SCOPE} {' '.join(sorted(TENANT_SCOPES))}")
