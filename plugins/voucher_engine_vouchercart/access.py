"""Who is calling, and what they may do on which domain.

``Authorization: Bearer ...`` carries either a staff JWT (from ``/v1/authorize``, logged in to
one domain) or an API key the tenant created for an integration (the seed: "API key (or JWT
token)"). A token with a JWT's shape (three dot-separated parts) is a JWT and its failures
answer the seed's JWT codes 1006-1009; an API client's own access token (a JWT of kind
"access") is accepted too; anything else is an API key, refused with 1001.

A staff member's rights are per domain (``StaffPrincipal.has_permission("store:<id>", name)``);
an API key's scopes that name permissions (``redeem.voucher``, ``manage.orders``,
``manage.users``) hold on every domain of its tenant.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from voucher_engine import Engine
from voucher_engine.plugin import AuthScheme, Credentials, errors

from voucher_engine_vouchercart import codes, directory
from voucher_engine_vouchercart.errors import JWT_ERRORS
from voucher_engine_vouchercart.permissions import KNOWN, MANAGE_USERS, domain_of_scope, scope_of


@dataclass(frozen=True, slots=True)
class Caller:
    tenant_id: str
    #: Who, for idempotency scopes and logs: "staff:<user id>" or "key:<id>".
    key: str
    #: The domain a staff token was issued for (``/v1/authorize``'s subdomain); None for keys.
    home_domain: int | None = None
    staff: Any = None  # StaffPrincipal
    grants: frozenset[str] = frozenset()  # an API key's permissions, on every domain

    def may(self, domain_id: int, permission: str) -> bool:
        if self.staff is not None:
            return bool(self.staff.has_permission(scope_of(domain_id), permission))
        return permission in self.grants

    def require(self, domain_id: int, *permissions: str) -> None:
        """``Forbidden`` (1003) unless one of ``permissions`` holds on the domain."""
        if not any(self.may(domain_id, p) for p in permissions):
            raise errors.Forbidden(f"no permission on domain {domain_id}")

    def require_user_admin(self) -> None:
        """The users API: ``manage.users`` on the domain the token was issued for (staff), or
        in the API key's scopes."""
        if self.staff is not None:
            if self.home_domain is None or not self.may(self.home_domain, MANAGE_USERS):
                raise errors.Forbidden("the users API needs manage.users")
        elif MANAGE_USERS not in self.grants:
            raise errors.Forbidden("the users API needs manage.users")


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def unverified_kind(token: str) -> str | None:
    """The ``typ`` claim, read without verifying, only to pick the verifier (the verifier
    checks the signature); ``None`` when the payload is not readable JSON."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, IndexError):
        return None
    typ = claims.get("typ") if isinstance(claims, dict) else None
    return typ if isinstance(typ, str) else None


def as_jwt_error(error: errors.Unauthorized) -> errors.Unauthorized:
    """Identity's refusal of a JWT as the seed's code: expired 1006, not yet valid 1007,
    malformed 1008, otherwise invalid 1009."""
    code = codes.jwt_code(error.details.get("reason"))
    return JWT_ERRORS[code](error.message, reason=error.details.get("reason"))


def staff_caller(principal: Any) -> Caller:
    return Caller(
        tenant_id=principal.tenant_id,
        key=f"staff:{principal.user_id}",
        home_domain=domain_of_scope(principal.scope),
        staff=principal,
    )


def key_caller(tenant_id: str, key_id: str, scopes: Any) -> Caller:
    return Caller(tenant_id=tenant_id, key=f"key:{key_id}", grants=frozenset(scopes) & KNOWN)


def authenticate(engine: Engine, credentials: Credentials) -> Caller:
    token = credentials.token or ""
    if not token:
        raise errors.Unauthorized("missing bearer token")
    if not looks_like_jwt(token):
        key = directory.verify_api_key(engine, token)
        return key_caller(key.tenant_id, getattr(key, "key_id", token[:8]), key.scopes)
    kind = unverified_kind(token)
    if kind is None:
        raise JWT_ERRORS[1008]("malformed token", reason="malformed")
    try:
        if kind == "access":
            client = directory.verify_client_token(engine, token)
            return key_caller(client.tenant_id, client.client_id, client.scopes)
        return staff_caller(directory.verify_staff(engine, token))
    except errors.Unauthorized as error:
        raise as_jwt_error(error) from error


def basic_credentials(engine: Engine, credentials: Credentials) -> Credentials:
    """``/v1/authorize``: the Basic credentials are checked by the handler, together with the
    form's subdomain; here only their presence (a missing or malformed header is 1001)."""
    if not credentials.username:
        raise errors.Unauthorized("missing Basic credentials")
    return credentials


BEARER = AuthScheme(
    "bearer", authenticate,
    description="A staff JWT from POST /v1/authorize, or an API key created for your account.",
)
BASIC = AuthScheme(
    "basic", basic_credentials,
    description="The staff member's email and password (Basic), with the form field subdomain.",
)
