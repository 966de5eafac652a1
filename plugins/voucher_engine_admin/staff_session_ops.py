"""Staff sessions: Basic login into one scope, refresh with rotation, the current user, logout.

A login answers a JWT access token and an opaque refresh token; each refresh rotates both, and
a refresh token presented twice revokes its whole family (a stolen copy is worth nothing once
either side uses it). Partner APIs with their own login shape (e.g. VoucherCart's
``/authorize``) call the same ``Identity.staff`` services.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from voucher_engine import Engine
from voucher_engine.identity import Identity, StaffPrincipal, StaffTokens
from voucher_engine.plugin import AuthScheme, Call, Credentials, errors
from voucher_engine_admin.wire import Id, Wire

Token = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class LoginIn(Wire):
    tenant: Id
    scope: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class RefreshIn(Wire):
    access_token: Token
    refresh_token: Token


class TokensOut(Wire):
    access_token: str
    token_id: str
    expires_at: str
    refresh_token: str
    refresh_expires_at: str
    user_id: str
    email: str


class StaffOut(Wire):
    tenant: str
    user_id: str
    scope: str
    role: str | None  # None when the grant in the scope has permissions but no role


def _tokens(tokens: StaffTokens) -> TokensOut:
    return TokensOut(
        tokens.access_token,
        tokens.access_token_id,
        tokens.expires_at.isoformat(),
        tokens.refresh_token,
        tokens.refresh_expires_at.isoformat(),
        tokens.user.id,
        tokens.user.email,
    )


def _pass_basic_on(engine: Engine, credentials: Credentials) -> Credentials:
    return credentials  # checked by the login itself, together with the body's tenant and scope


def _staff(engine: Engine, credentials: Credentials) -> StaffPrincipal:
    if not credentials.token:
        raise errors.Unauthorized("missing bearer token")
    return engine.shared(Identity).staff.verify_staff(credentials.token)


BASIC = AuthScheme("basic", _pass_basic_on, description="The staff user's email and password")
STAFF_BEARER = AuthScheme("bearer", _staff, description="A staff access token from /staff-sessions")


def login(call: Call) -> TokensOut:
    body: LoginIn = call.body
    credentials: Credentials = call.principal
    tokens = call.engine.shared(Identity).staff.login(
        body.tenant, credentials.username or "", credentials.password or "", body.scope
    )
    return _tokens(tokens)


def refresh(call: Call) -> TokensOut:
    body: RefreshIn = call.body
    return _tokens(call.engine.shared(Identity).staff.refresh(body.access_token, body.refresh_token))


def me(call: Call) -> StaffOut:
    who: StaffPrincipal = call.principal
    assert who.scope is not None  # an access token is issued for one scope (only API keys lack one)
    return StaffOut(who.tenant_id, who.user_id, who.scope, who.role)


def logout(call: Call) -> dict[str, Any]:
    call.engine.shared(Identity).staff.logout(call.headers["authorization"].partition(" ")[2].strip())
    return {}
