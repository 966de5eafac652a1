"""What the identity services hand back: who the caller is, and freshly issued credentials."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from voucher_engine.errors import PermissionDenied

#: A permission that stands for every permission (an owner's, an administrator's).
ALL_PERMISSIONS = "*"


@dataclass(frozen=True, slots=True)
class Principal:
    """An API client, as proven by a client-credentials access token."""

    tenant_id: str
    client_id: str
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class NewClient:
    """A client just created; ``secret`` is shown here once and stored only as a hash."""

    tenant_id: str
    client_id: str
    secret: str
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """A client as an administrator sees it: never its secret or hash."""

    tenant_id: str
    client_id: str
    name: str
    scopes: frozenset[str]
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A client-credentials token response (RFC 6749 5.1), and whom it was issued to."""

    access_token: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"
    tenant_id: str = ""
    client_id: str = ""

    def response(self) -> dict[str, Any]:
        """The RFC 6749 5.1 JSON body (send it with ``Cache-Control: no-store``)."""
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "scope": self.scope,
        }


#: What ``Identity.oauth.token`` answers: the same value under the name the RFC gives it.
OAuthToken = AccessToken


@dataclass(frozen=True, slots=True)
class ClientTokenCount:
    """Tokens issued to one client on one UTC day, by the ``client_type`` it stated ("" when
    it stated none)."""

    client_id: str
    client_type: str
    day: date
    tokens: int
    last_issued_at: datetime


@dataclass(frozen=True, slots=True)
class DistributorIdentity:
    tenant_id: str
    distributor_id: str
    #: Set by ``Distributors.claimed_distributor`` only: the identity was remembered, not read
    #: now, and holds only if the command's own transaction finds this digest still current
    #: (``Engine.issue_for_trigger(token_digest=...)``).
    token_digest: str | None = None


@dataclass(frozen=True, slots=True)
class DistributorInfo:
    """A distributor as an administrator sees it: never its token or digest."""

    tenant_id: str
    distributor_id: str
    name: str
    token_rotated_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PartnerToken:
    """A verified partner JWT whose ``jti`` has just been used up."""

    tenant_id: str
    partner_id: str
    jti: str
    expires_at: datetime
    claims: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Session:
    """A partner session: what the partner's JWT said (the ``carry`` claims), for an hour."""

    tenant_id: str
    partner_id: str
    session_id: str
    expires_at: datetime
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SessionToken:
    token: str
    session: Session


@dataclass(frozen=True, slots=True)
class StaffGrant:
    """What a staff user may do in one scope: a role, named permissions, or both.

    In a ``StaffUser`` these are the stored values; in a ``StaffPrincipal`` ``permissions``
    also holds what the role implies (``IdentityConfig.role_permissions``)."""

    role: str | None = None
    permissions: frozenset[str] = frozenset()

    def allows(self, permission: str) -> bool:
        return permission in self.permissions or ALL_PERMISSIONS in self.permissions


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: str
    tenant_id: str
    email: str
    full_name: str
    locale: str
    active: bool
    roles: dict[str, str]  # scope -> role, for the scopes whose grant has a role
    public_id: int = 0  # 1, 2, ... per tenant: for partner APIs with integer user ids
    phone: str | None = None
    created_at: datetime | None = None
    grants: Mapping[str, StaffGrant] = field(default_factory=dict)  # scope -> grant, all of them


@dataclass(frozen=True, slots=True)
class StaffTokens:
    """A staff login or refresh: a JWT access token, an opaque refresh token, their family."""

    access_token: str
    access_token_id: str  # the access token's jti ("identifiedBy" in some partner APIs)
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    family_id: str
    user: StaffUser


@dataclass(frozen=True, slots=True)
class StaffPrincipal:
    """A staff user proven by an access token (``via`` "token") or by one of their API keys
    (``via`` "api_key"), with their grants as they are now.

    ``scope`` is the scope the token was issued for (an API key's scope, or ``None`` for a key
    valid in every scope of its user); ``role`` is the role there. ``grants`` holds every scope
    the caller may act in, so an operation on another scope (VoucherCart's ``domain``
    parameter) is checked with ``has_permission(that_scope, name)``."""

    tenant_id: str
    user_id: str
    scope: str | None
    role: str | None
    family_id: str | None
    grants: Mapping[str, StaffGrant] = field(default_factory=dict)
    public_id: int = 0
    via: str = "token"
    key_id: str | None = None

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.grants)

    def has_permission(self, scope: str, name: str) -> bool:
        grant = self.grants.get(scope)
        return grant is not None and grant.allows(name)

    def require_permission(self, scope: str, name: str) -> None:
        """``PermissionDenied`` (a ``Forbidden``) unless ``name`` is granted in ``scope``."""
        if not self.has_permission(scope, name):
            raise PermissionDenied(scope, name)


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A staff API key just created; ``key`` is shown here once and stored only as a digest."""

    key_id: str
    key: str
    tenant_id: str
    user_id: str
    name: str
    scope: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """A staff API key as an administrator sees it: never the key or its digest."""

    key_id: str
    tenant_id: str
    user_id: str
    name: str
    scope: str | None
    created_at: datetime
    revoked_at: datetime | None
