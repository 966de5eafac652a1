"""Partners that sign their own JWTs (Jackpot's session request), and single use of each
JWT's ``jti``.

Each partner is registered per tenant with one pinned algorithm:
- ``ES256`` or ``EdDSA`` with the partner's public key (PEM): nothing secret is stored.
  Preferred.
- ``HS256`` with a shared secret of at least 32 bytes. Verifying an HMAC needs the secret
  itself, so it is stored as given: whoever reads the database can forge this partner's
  tokens. See docs/identity.md.

Single use: verifying a JWT inserts (tenant, partner, jti) into ``partner_jtis``; the primary
key lets exactly one insert succeed, however many run in parallel. Rows are kept until the
token's ``exp`` (after which the token is refused anyway), then ``prune_partner_jtis`` may
delete them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt
from sqlalchemy import delete, insert, select

from voucher_engine.clock import Clock
from voucher_engine.errors import AlreadyExists, Unauthorized, ValidationError
from voucher_engine.identity.attempts import PARTNER, FailedAttempts
from voucher_engine.identity.claims import PYJWT_OPTIONS_NO_TIME, check_times, unverified_header
from voucher_engine.identity.config import IdentityConfig
from voucher_engine.identity.results import PartnerToken
from voucher_engine.identity.store import PLATFORM, Store, require_tenant
from voucher_engine.screening import screen_text
from voucher_engine.storage.identity_tables import PARTNER_ALGORITHMS, partner_jtis, partners

if TYPE_CHECKING:
    from jwt.types import Options

    from voucher_engine.engine.base import Tx

PARTNER_REQUIRED_CLAIMS = ("exp", "iat", "jti")
MIN_HMAC_SECRET_BYTES = 32  # RFC 7518 3.2


def checked_partner_key(algorithm: str, key: str) -> str:
    if algorithm not in PARTNER_ALGORITHMS:
        raise ValidationError(f"a partner signs with one of {', '.join(PARTNER_ALGORITHMS)}")
    if algorithm == "HS256":
        if len(key.encode()) < MIN_HMAC_SECRET_BYTES:
            raise ValidationError(f"an HS256 secret is at least {MIN_HMAC_SECRET_BYTES} bytes")
        return key
    if "PRIVATE KEY" in key:
        raise ValidationError("register the partner's public key, never its private key")
    try:
        jwt.get_algorithm_by_name(algorithm).prepare_key(key)
    except (jwt.PyJWTError, ValueError, TypeError, NotImplementedError) as error:
        raise ValidationError(f"not a usable {algorithm} public key: {error}") from error
    return key


class Partners:
    def __init__(self, store: Store, clock: Clock, config: IdentityConfig, attempts: FailedAttempts) -> None:
        self._attempts = attempts
        self._store = store
        self._clock = clock
        self._config = config

    def register_partner(
        self,
        tenant_id: str,
        partner_id: str,
        key: str,
        *,
        algorithm: str = "ES256",
        audience: str | None = None,
    ) -> None:
        """Register a partner's verification key. With ``audience``, its JWTs must carry that
        ``aud``; without, an ``aud`` in them is not checked."""
        if not (0 < len(partner_id) <= 64):
            raise ValidationError("a partner id is 1 to 64 characters")
        key = checked_partner_key(algorithm, key)

        def register(tx: Tx) -> None:
            require_tenant(tx.conn, tenant_id)
            tx.conn.execute(
                insert(partners),
                {
                    "tenant_id": tenant_id,
                    "id": partner_id,
                    "algorithm": algorithm,
                    "key": key,
                    "audience": audience,
                    "created_at": tx.now,
                },
            )

        self._store.write(tenant_id, "register_partner", register, {"partner_id": partner_id, "algorithm": algorithm})

    def use_partner_jwt(self, tenant_id: str, token: str, *, partner_id: str | None = None) -> PartnerToken:
        """Verify a partner-signed JWT and use up its ``jti``: the first call succeeds, every
        later one (in any process) raises ``Unauthorized``.

        ``partner_id`` names the partner; without it, the token's unverified ``iss`` does, which
        only selects the key: the signature still decides."""
        if not isinstance(token, str) or not token:
            raise Unauthorized("invalid token", reason="missing")
        with self._attempts.limited():  # until the token names its partner, the address alone
            unverified_header(token)  # malformed tokens fail here, before any database work
            partner_id = partner_id or self._unverified_issuer(token)
            if screen_text(tenant_id, "tenant") or screen_text(partner_id, "iss"):
                # Unverified claims that name no tenant or partner (a NUL): not a question for the database.
                raise Unauthorized("invalid token", reason="unknown_partner")
        # Only the signature is a guess: a signed token that is late, too long-lived or
        # replayed is the key holder's own mistake (a retrying client), not counted against it.
        with self._attempts.limited(PARTNER, f"{tenant_id}\0{partner_id}"):
            claims = self._verified_claims(tenant_id, token, partner_id)
        return self._use(tenant_id, partner_id, claims)

    def _verified_claims(self, tenant_id: str, token: str, partner_id: str) -> dict[str, Any]:
        partner = self._store.read(
            lambda conn: conn.execute(
                select(partners.c.algorithm, partners.c.key, partners.c.audience).where(
                    partners.c.tenant_id == tenant_id, partners.c.id == partner_id
                )
            ).first()
        )
        if partner is None:
            raise Unauthorized("invalid token", reason="unknown_partner")
        return self._decode(token, partner)

    def _use(self, tenant_id: str, partner_id: str, claims: dict[str, Any]) -> PartnerToken:
        now = self._clock.now()
        check_times(claims, now, self._config.leeway)
        if claims["exp"] - claims["iat"] > self._config.partner_max_lifetime.total_seconds():
            raise Unauthorized("invalid token", reason="lifetime_too_long")
        jti = claims["jti"]
        if not isinstance(jti, str) or not (0 < len(jti) <= 255):
            raise Unauthorized("invalid token", reason="jti")
        expires_at = datetime.fromtimestamp(claims["exp"], UTC)

        def use_up(tx: Tx) -> None:
            tx.conn.execute(
                insert(partner_jtis),
                {
                    "tenant_id": tenant_id,
                    "partner_id": partner_id,
                    "jti": jti,
                    "expires_at": expires_at,
                    "used_at": now,
                },
            )

        try:
            self._store.write(tenant_id, "use_partner_jwt", use_up, {"partner_id": partner_id, "jti": jti})
        except AlreadyExists as error:
            raise Unauthorized("this token was already used", reason="replayed") from error
        return PartnerToken(tenant_id, partner_id, jti, expires_at, claims)

    def prune_partner_jtis(self) -> int:
        """Forget used jtis whose tokens have expired (beyond the leeway); returns how many."""

        def prune(tx: Tx) -> int:
            horizon = tx.now - self._config.leeway
            return tx.conn.execute(delete(partner_jtis).where(partner_jtis.c.expires_at < horizon)).rowcount

        return self._store.write(PLATFORM, "prune_partner_jtis", prune)

    @staticmethod
    def _unverified_issuer(token: str) -> str:
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as error:
            raise Unauthorized("invalid token", reason="malformed") from error
        if not isinstance(issuer, str) or not issuer:
            raise Unauthorized("invalid token", reason="no_partner")
        return issuer

    @staticmethod
    def _decode(token: str, partner: Any) -> dict[str, Any]:
        options: Options = {**PYJWT_OPTIONS_NO_TIME, "require": list(PARTNER_REQUIRED_CLAIMS)}
        if partner.audience is None:
            options["verify_aud"] = False
        try:
            return jwt.decode(
                token,
                partner.key,
                algorithms=[partner.algorithm],  # pinned per partner, never read from the token
                audience=partner.audience,
                options=options,
            )
        except jwt.PyJWTError as error:
            raise Unauthorized("invalid token", reason=type(error).__name__) from error
