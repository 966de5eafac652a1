"""Who is calling, and what they may do on which domain.

``Authorization: Bearer ...`` carries either a staff JWT (from ``/v1/authorize``, logged in to
one domain) or an API key the tenant created for one of its staff users (the seed: "API key
(or JWT token)"; identity's ``ak_...`` keys). Both are a staff member acting with their grants
as they are at each call (``Identity.verify_staff_bearer``). A JWT's failures answer the
seed's JWT codes 1006-1009; an unknown or revoked API key, or anything else, is 1001.

A staff member's rights are per domain (``StaffPrincipal.has_permission("store:<id>", name)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from voucher_engine import Engine
from voucher_engine.identity import StaffPrincipal
from voucher_engine.plugin import AuthScheme, Credentials, errors
from voucher_engine_vouchercart import codes, directory
from voucher_engine_vouchercart.errors import JWT_ERRORS
from voucher_engine_vouchercart.permissions import MANAGE_USERS, domain_of_scope, scope_of

#: Identity's staff API keys start with this (``voucher_engine.identity.api_keys``).
API_KEY_PREFIX = "ak_"


@dataclass(frozen=True, slots=True)
class Caller:
    tenant_id: str
    #: Who, for idempotency scopes and logs: "staff:<user id>" or "key:<id>".
    key: str
    #: The domain a staff token was issued for (or a scoped API key's); None for a key valid
    #: on every domain of its user.
    home_domain: int | None
    staff: StaffPrincipal

    def may(self, domain_id: int, permission: str) -> bool:
        return self.staff.has_permission(scope_of(domain_id), permission)

    def domains_with(self, permission: str) -> list[int]:
        """The domains on which ``permission`` holds."""
        found = (domain_of_scope(scope) for scope in self.staff.grants)
        return sorted(d for d in found if d is not None and self.may(d, permission))

    def require(self, domain_id: int, *permissions: str) -> None:
        """``Forbidden`` (1003) unless one of ``permissions`` holds on the domain."""
        if not any(self.may(domain_id, p) for p in permissions):
            raise errors.Forbidden(f"no permission on domain {domain_id}")

    def require_user_admin(self) -> None:
        """The users API: ``manage.users`` on the domain the token was issued for (for an
        unscoped API key: on some domain). Changing a domain's grants also needs it there."""
        allowed = (
            self.may(self.home_domain, MANAGE_USERS)
            if self.home_domain is not None
            else bool(self.domains_with(MANAGE_USERS))
        )
        if not allowed:
            raise errors.Forbidden("the users API needs manage.users")


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def as_jwt_error(error: errors.Unauthorized) -> errors.Unauthorized:
    """Identity's refusal of a JWT as the seed's code: expired 1006, not yet valid 1007,
    malformed 1008, otherwise invalid 1009."""
    code = codes.jwt_code(error.details.get("reason"))
    return JWT_ERRORS[code](error.message, reason=error.details.get("reason"))


def staff_caller(principal: StaffPrincipal) -> Caller:
    who = f"key:{principal.key_id}" if principal.via == "api_key" else f"staff:{principal.user_id}"
    home = domain_of_scope(principal.scope) if principal.scope is not None else None
    return Caller(tenant_id=principal.tenant_id, key=who, home_domain=home, staff=principal)


def authenticate(engine: Engine, credentials: Credentials) -> Caller:
    token = credentials.token or ""
    if not token:
        raise errors.Unauthorized("missing bearer token")
    if not looks_like_jwt(token):
        if not token.startswith(API_KEY_PREFIX):
            raise errors.Unauthorized("not an API key", reason="malformed")
        return staff_caller(directory.verify_bearer(engine, token))  # its refusals are 1001
    try:
        return staff_caller(directory.verify_bearer(engine, token))
    except errors.Unauthorized as error:
        raise as_jwt_error(error) from error


def basic_credentials(engine: Engine, credentials: Credentials) -> Credentials:
    """``/v1/authorize``: the Basic credentials are checked by the handler, together with the
    form's subdomain; here only their presence (a missing or malformed header is 1001)."""
    if not credentials.username:
        raise errors.Unauthorized("missing Basic credentials")
    return credentials


BEARER = AuthScheme(
    "bearer",
    authenticate,
    description="A staff JWT from POST /v1/authorize, or an API key created for your account.",
)
BASIC = AuthScheme(
    "basic",
    basic_credentials,
    description="The staff member's email and password (Basic), with the form field subdomain.",
)
