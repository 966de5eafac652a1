"""Partner sessions: a single-use partner JWT exchanged for our own short-lived session token
(``typ`` "session"), carrying the partner claims the provider names (a session amount...)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from voucher_engine.errors import Unauthorized
from voucher_engine.identity.attempts import FailedAttempts
from voucher_engine.identity.partners import Partners
from voucher_engine.identity.results import Session, SessionToken
from voucher_engine.identity.tokens import TokenKind, TokenService


class Sessions:
    def __init__(self, partners: Partners, tokens: TokenService, ttl: timedelta, attempts: FailedAttempts) -> None:
        self._attempts = attempts
        self._partners = partners
        self._tokens = tokens
        self._ttl = ttl

    def open_session(
        self,
        tenant_id: str,
        partner_token: str,
        *,
        partner_id: str | None = None,
        carry: Collection[str] = (),
        ttl: timedelta | None = None,
    ) -> SessionToken:
        used = self._partners.use_partner_jwt(tenant_id, partner_token, partner_id=partner_id)
        context = {name: used.claims[name] for name in carry if name in used.claims}
        signed = self._tokens.issue(
            TokenKind.SESSION,
            {"sub": used.partner_id, "tid": tenant_id, "ctx": context},
            ttl or self._ttl,
        )
        session = Session(tenant_id, used.partner_id, signed.jti, signed.expires_at, context)
        return SessionToken(signed.token, session)

    def verify_session(self, token: str, *, tenant_id: str | None = None) -> Session:
        with self._attempts.limited():
            claims = self._tokens.verify(token, TokenKind.SESSION)
            tid, sub, context = claims.get("tid"), claims.get("sub"), claims.get("ctx")
            if not (isinstance(tid, str) and isinstance(sub, str) and isinstance(context, dict)):
                raise Unauthorized("invalid token", reason="claims")
            if tenant_id is not None and tid != tenant_id:
                raise Unauthorized("invalid token", reason="tenant")
        return Session(tid, sub, claims["jti"], datetime.fromtimestamp(claims["exp"], UTC), context)
