"""Who is calling: a session token (the customer's browsing and reservation, for one hour or
until a voucher is reserved) or a partner-signed JWT (the partner's own server: opening a
session, and the utility routes).

Partner JWTs name their partner in ``iss`` and the partner's account (our tenant) in
``tenant``. Both only pick the verification key: the signature decides. Every partner JWT is
single use, whichever route it is presented to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jwt

from voucher_engine import Engine, SpendingSession
from voucher_engine.identity import Identity, IdentityConfig, PartnerToken
from voucher_engine.plugin import AuthScheme, Credentials, errors
from voucher_engine_jackpot.errors import SessionTimedOut, SessionUsed, TokenReplayed
from voucher_engine_jackpot.settings import settings_of


@dataclass(frozen=True, slots=True)
class Services:
    identity: Identity


def _services(engine: Engine) -> Services:
    config = IdentityConfig(session_ttl=settings_of(engine).session_ttl)
    return Services(Identity(engine, config))


def services(engine: Engine) -> Services:
    """The provider's Identity (with its session lifetime; it caches the signing keys), one
    per engine. Spending sessions are the engine's own operations."""
    return engine.shared(_services)


@dataclass(frozen=True, slots=True)
class PartnerCaller:
    tenant_id: str
    partner_id: str


@dataclass(frozen=True, slots=True)
class SessionCaller:
    tenant_id: str
    partner_id: str
    session: SpendingSession


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims, before the signature is checked: only to pick the key, or to refuse a token
    whose claims are unusable before it is used up."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise errors.Unauthorized("invalid token", reason="malformed") from error
    return claims if isinstance(claims, dict) else {}


def issuer_of(token: str) -> tuple[str, str]:
    """The (tenant, partner) a partner JWT claims to come from; the signature is checked later."""
    claims = unverified_claims(token)
    tenant, partner = claims.get("tenant"), claims.get("iss")
    if not (isinstance(tenant, str) and tenant and isinstance(partner, str) and partner):
        raise errors.Unauthorized("invalid token", reason="no_tenant_or_issuer")
    return tenant, partner


@contextmanager
def replay_reported() -> Iterator[None]:
    """A replayed JWT gets its own code: the partner's most likely bug deserves a clear answer."""
    try:
        yield
    except errors.Unauthorized as error:
        if error.details.get("reason") == "replayed":
            raise TokenReplayed("this JWT has already been used") from error
        raise


def use_partner_jwt(engine: Engine, token: str) -> PartnerToken:
    """Verify a partner JWT and use it up (a second use, even in parallel, fails)."""
    tenant, partner = issuer_of(token)
    with replay_reported():
        return services(engine).identity.use_partner_jwt(tenant, token, partner_id=partner)


def _partner(engine: Engine, credentials: Credentials) -> PartnerCaller:
    if not credentials.token:
        raise errors.Unauthorized("missing bearer token")
    used = use_partner_jwt(engine, credentials.token)
    return PartnerCaller(used.tenant_id, used.partner_id)


def _session(engine: Engine, credentials: Credentials) -> SessionCaller:
    if not credentials.token:
        raise errors.Unauthorized("missing bearer token")
    found = services(engine)
    try:
        session = found.identity.verify_session(credentials.token)
    except errors.Unauthorized as error:
        if error.details.get("reason") == "expired":
            raise SessionTimedOut("this session has expired") from error
        raise
    try:
        spending = engine.get_session(session.tenant_id, session.session_id)
    except errors.SessionNotFound as error:
        raise errors.Unauthorized("invalid token", reason="no_session") from error
    if spending.ended_at is not None:
        raise SessionUsed("this session has already been used to reserve a voucher")
    if engine.clock.now() >= spending.expires_at:
        raise SessionTimedOut("this session has expired")
    return SessionCaller(session.tenant_id, session.partner_id, spending)


PARTNER_JWT = AuthScheme(
    "bearer",
    _partner,
    description="A JWT you sign with your API signature (claims iss, tenant, iat, exp, jti); single use.",
)
SESSION_TOKEN = AuthScheme(
    "bearer",
    _session,
    description="The session token from POST /v2/token; valid one hour or until a voucher is reserved.",
)
