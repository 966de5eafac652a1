"""What the identity services hand back: who the caller is, and freshly issued credentials."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
    """A client-credentials token response (RFC 6749 5.1)."""

    access_token: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"


@dataclass(frozen=True, slots=True)
class DistributorIdentity:
    tenant_id: str
    distributor_id: str


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
class StaffUser:
    id: str
    tenant_id: str
    email: str
    full_name: str
    locale: str
    active: bool
    roles: dict[str, str]  # scope -> role


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
    tenant_id: str
    user_id: str
    scope: str
    role: str
    family_id: str
