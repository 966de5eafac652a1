"""Our own JWTs: HS256 only, signed with the key ring's newest key (``kid`` in the header),
with iss, aud, iat, exp, jti and a ``typ`` claim naming the token kind. A token of one kind
never verifies as another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from voucher_engine.clock import Clock, IdSource
from voucher_engine.errors import Unauthorized
from voucher_engine.identity.claims import PYJWT_OPTIONS_NO_TIME, check_times, unverified_header
from voucher_engine.identity.config import IdentityConfig
from voucher_engine.identity.keyring import SigningKeys
from voucher_engine.screening import screen_text

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("exp", "iat", "jti", "aud", "iss", "typ")
_RESERVED = frozenset(REQUIRED_CLAIMS) | {"nbf"}


class TokenKind(StrEnum):
    ACCESS = "access"  # client credentials (RFC 6749 4.4)
    STAFF = "staff"  # a staff user's access token, paired with an opaque refresh token
    SESSION = "session"  # a partner session opened with a single-use partner JWT


@dataclass(frozen=True, slots=True)
class SignedToken:
    token: str
    jti: str
    expires_at: datetime


class TokenService:
    def __init__(self, keys: SigningKeys, clock: Clock, ids: IdSource, config: IdentityConfig) -> None:
        self._keys = keys
        self._clock = clock
        self._ids = ids
        self._config = config

    def issue(self, kind: TokenKind, claims: dict[str, Any], ttl: timedelta) -> SignedToken:
        if _RESERVED & claims.keys():
            raise ValueError(f"claims {sorted(_RESERVED & claims.keys())} are set by the service")
        issued = int(self._clock.now().timestamp())
        expires = issued + int(ttl.total_seconds())
        jti = self._ids.new("jti")
        payload = {
            **claims,
            "iss": self._config.issuer,
            "aud": self._config.audience,
            "iat": issued,
            "exp": expires,
            "jti": jti,
            "typ": kind.value,
        }
        kid, key = self._keys.signing()
        token = jwt.encode(payload, key, algorithm=ALGORITHM, headers={"kid": kid})
        return SignedToken(token, jti, datetime.fromtimestamp(expires, UTC))

    def verify(self, token: str, kind: TokenKind, *, allow_expired: bool = False) -> dict[str, Any]:
        """The claims of a valid token of ``kind``; ``Unauthorized`` for anything else.

        ``allow_expired`` is for the refresh exchange only, where the access token proves
        which family the refresh token belongs to and may well have expired."""
        if not isinstance(token, str) or not token:
            raise Unauthorized("invalid token", reason="missing")
        kid = unverified_header(token).get("kid")
        if not isinstance(kid, str) or screen_text(kid, "kid"):
            raise Unauthorized("invalid token", reason="no_kid")
        key = self._keys.verifying(kid)
        if key is None:
            raise Unauthorized("invalid token", reason="unknown_kid")
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],  # pinned: alg=none and RS/HS confusion are refused here
                audience=self._config.audience,
                issuer=self._config.issuer,
                options={**PYJWT_OPTIONS_NO_TIME, "require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as error:
            raise Unauthorized("invalid token", reason=type(error).__name__) from error
        check_times(payload, self._clock.now(), self._config.leeway, allow_expired=allow_expired)
        if payload["typ"] != kind.value:
            raise Unauthorized("invalid token", reason="wrong_typ")
        return payload
