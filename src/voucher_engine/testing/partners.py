"""Partner-signed JWTs, as a partner's server signs them (PyJWT), at the test clock's time."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import jwt

from voucher_engine.clock import Clock

SYMMETRIC = ("HS256", "HS384", "HS512")


class PartnerSigner:
    """Signs JWTs for one partner: ``iss`` (the partner id), ``tenant``, ``iat`` and ``exp``
    from ``clock``, a fresh ``jti``; ``sign(**claims)`` adds, replaces or (``None``) removes
    claims. Register ``verification_key`` with the engine's partner registry."""

    def __init__(
        self,
        clock: Clock,
        partner: str,
        key: str,
        *,
        tenant: str | None = None,
        algorithm: str = "HS256",
        lifetime: timedelta = timedelta(minutes=5),
    ) -> None:
        self.clock = clock
        self.partner = partner
        self.key = key
        self.tenant = tenant
        self.algorithm = algorithm
        self.lifetime = lifetime

    @property
    def verification_key(self) -> str:
        """What the engine verifies with: the secret itself (HS*), else the public key (PEM)."""
        if self.algorithm in SYMMETRIC:
            return self.key
        from cryptography.hazmat.primitives import serialization  # pyjwt[crypto]

        private = serialization.load_pem_private_key(self.key.encode(), password=None)
        return (
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def claims(
        self, *, at: datetime | None = None, lifetime: timedelta | None = None, **claims: object
    ) -> dict[str, object]:
        now = at or self.clock.now()
        payload: dict[str, object] = {
            "iss": self.partner,
            "iat": int(now.timestamp()),
            "exp": int((now + (lifetime or self.lifetime)).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        if self.tenant is not None:
            payload["tenant"] = self.tenant
        for name, value in claims.items():
            if value is None:
                payload.pop(name, None)
            else:
                payload[name] = value
        return payload

    def sign(
        self,
        *,
        at: datetime | None = None,
        lifetime: timedelta | None = None,
        key: str | None = None,
        algorithm: str | None = None,
        **claims: object,
    ) -> str:
        """A signed JWT issued ``at`` (default: the clock's now). ``key``/``algorithm`` sign
        with something else, to test a forged or mis-signed token."""
        return jwt.encode(
            self.claims(at=at, lifetime=lifetime, **claims), key or self.key, algorithm=algorithm or self.algorithm
        )
