"""The JWT matrix: every way a token can be wrong is ``Unauthorized``, on both backends.

Each case builds its token from a valid one, signed with the real key read from the key ring
(generated into the database), changing exactly one thing. All cases run in one test per
backend (a fresh database per case would cost a minute); a failure names every case that was
not refused as it should be.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from identity_helpers import b64, parts, sign

from voucher_engine.errors import Unauthorized
from voucher_engine.identity import Identity
from voucher_engine.identity.tokens import TokenKind


@pytest.fixture
def matrix(identity) -> tuple[Identity, dict, str, bytes]:
    client = identity.clients.create_client("acme", ["vouchers:read"])
    token = identity.client_credentials(client.client_id, client.secret).access_token
    _, claims, _ = parts(token)
    kid, key = identity.keys.signing()
    return identity, claims, kid, key


def _without(claims: dict, name: str) -> dict:
    return {k: v for k, v in claims.items() if k != name}


def _rsa_private_pem() -> bytes:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _alg_none(claims: dict, kid: str, _key: bytes) -> str:
    return f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{b64(claims)}."


def _tampered_payload(claims: dict, kid: str, key: bytes) -> str:
    header, _payload, signature = sign(claims, key, kid=kid).split(".")
    return f"{header}.{b64({**claims, 'scope': 'vouchers:read admin'})}.{signature}"


def _tampered_signature(claims: dict, kid: str, key: bytes) -> str:
    token = sign(claims, key, kid=kid)
    flipped = "A" if token[-2] != "A" else "B"
    return token[:-2] + flipped + token[-1]


Case = Callable[[dict, str, bytes], str]


def _missing(claim: str) -> Case:
    return lambda c, kid, k: sign(_without(c, claim), k, kid=kid)


CASES: dict[str, Case] = {
    "alg none": _alg_none,
    "alg none without signature dot": lambda c, kid, k: f"{b64({'alg': 'none', 'kid': kid})}.{b64(c)}",
    "HS512 with the right key": lambda c, kid, k: sign(c, k, kid=kid, algorithm="HS512"),
    "HS384 with the right key": lambda c, kid, k: sign(c, k, kid=kid, algorithm="HS384"),
    "RS256 with an attacker's key": lambda c, kid, k: sign(c, _rsa_private_pem(), kid=kid, algorithm="RS256"),
    "tampered payload": _tampered_payload,
    "tampered signature": _tampered_signature,
    "another key under our kid": lambda c, kid, k: sign(c, b"x" * 32, kid=kid),
    "unknown kid": lambda c, kid, k: sign(c, k, kid="key_does_not_exist"),
    "no kid": lambda c, kid, k: sign(c, k, kid=None),
    **{f"missing {name}": _missing(name) for name in ("exp", "iat", "jti", "aud", "iss", "typ")},
    "expired": lambda c, kid, k: sign({**c, "iat": c["iat"] - 3600, "exp": c["iat"] - 31}, k, kid=kid),
    "issued in the future": lambda c, kid, k: sign({**c, "iat": c["iat"] + 3600}, k, kid=kid),
    "not yet valid (nbf)": lambda c, kid, k: sign({**c, "nbf": c["iat"] + 3600}, k, kid=kid),
    "exp as a string": lambda c, kid, k: sign({**c, "exp": str(c["exp"])}, k, kid=kid),
    "wrong audience": lambda c, kid, k: sign({**c, "aud": "someone-else"}, k, kid=kid),
    "wrong issuer": lambda c, kid, k: sign({**c, "iss": "someone-else"}, k, kid=kid),
    "typ staff": lambda c, kid, k: sign({**c, "typ": "staff"}, k, kid=kid),
    "typ session": lambda c, kid, k: sign({**c, "typ": "session"}, k, kid=kid),
    "typ refresh": lambda c, kid, k: sign({**c, "typ": "refresh"}, k, kid=kid),
    "not a JWT": lambda c, kid, k: "not-a-jwt",
    "empty": lambda c, kid, k: "",
}


def test_the_untouched_token_verifies(matrix) -> None:
    """The control: the same construction without the defect passes, so each case below
    fails for its defect and not for the way it was built."""
    identity, claims, kid, key = matrix
    principal = identity.verify_access(sign(claims, key, kid=kid), "vouchers:read")
    assert (principal.tenant_id, principal.scopes) == ("acme", frozenset({"vouchers:read"}))


@pytest.mark.filterwarnings("ignore::jwt.InsecureKeyLengthWarning")  # HS384/HS512 cases
def test_every_defect_is_unauthorized(matrix) -> None:
    identity, claims, kid, key = matrix
    not_refused = {}
    for case, build in CASES.items():
        try:
            identity.verify_access(build(claims, kid, key), "vouchers:read")
        except Unauthorized as error:
            assert error.code == "unauthorized"
        except Exception as error:  # noqa: BLE001 - a wrong error type is a failure to report
            not_refused[case] = repr(error)
        else:
            not_refused[case] = "accepted"
    assert not_refused == {}
    assert len(CASES) == 27


def test_pyjwt_itself_would_accept_the_expired_case_only_by_system_time(matrix) -> None:
    """The clock is ours: a token valid by the system clock but expired by the engine's
    (a ManualClock in 2030) is refused, so PyJWT's own time check is not what decides."""
    identity, claims, kid, key = matrix
    real_now = int(time.time())
    token = sign({**claims, "iat": real_now, "exp": real_now + 3600}, key, kid=kid)
    assert jwt.decode(token, key, algorithms=["HS256"], audience=claims["aud"])["exp"] == real_now + 3600
    with pytest.raises(Unauthorized) as refused:
        identity.verify_access(token)
    assert refused.value.details["reason"] == "expired"


def _raw_signed(claims: dict, claim: str, literal: str, key: bytes, kid: str) -> str:
    """Signed with the real key; ``claim`` is raw JSON number text no json.dumps writes."""
    text = json.dumps({**claims, claim: "@@"}).replace('"@@"', literal)
    return jwt.api_jws.encode(text.encode(), key, algorithm="HS256", headers={"kid": kid})


NOT_AN_INSTANT = ("NaN", "Infinity", "-Infinity", "1e999", "1" + "0" * 30, "-5")


def test_time_claims_that_are_no_instant_are_unauthorized_for_every_token_kind(identity) -> None:
    """Access, staff and session tokens share one verification: a NaN or infinite ``exp`` or
    ``iat`` was accepted (every comparison with NaN is false), and a session's was an
    OverflowError (a 500 over HTTP). Each is now Unauthorized, however it is verified."""
    kid, key = identity.keys.signing()
    ttl = timedelta(minutes=5)
    tokens = {
        TokenKind.ACCESS: (
            identity.tokens.issue(TokenKind.ACCESS, {"tid": "acme", "sub": "c", "scope": "s"}, ttl),
            lambda t: identity.tokens.verify(t, TokenKind.ACCESS),
        ),
        TokenKind.STAFF: (
            identity.tokens.issue(TokenKind.STAFF, {"tid": "acme", "sub": "u"}, ttl),
            lambda t: identity.tokens.verify(t, TokenKind.STAFF, allow_expired=True),
        ),
        TokenKind.SESSION: (
            identity.tokens.issue(TokenKind.SESSION, {"tid": "acme", "sub": "p", "ctx": {}}, ttl),
            identity.verify_session,
        ),
    }
    not_refused = {}
    for kind, (signed, verify) in tokens.items():
        claims = jwt.decode(signed.token, options={"verify_signature": False})
        verify(_raw_signed(claims, "exp", str(claims["exp"]), key, kid))  # the construction itself verifies
        for claim in ("exp", "iat"):
            for literal in NOT_AN_INSTANT:
                try:
                    verify(_raw_signed(claims, claim, literal, key, kid))
                    not_refused[f"{kind} {claim}={literal}"] = "accepted"
                except Unauthorized:
                    pass
                except Exception as error:  # noqa: BLE001 - another error is what this test is about
                    not_refused[f"{kind} {claim}={literal}"] = repr(error)
    assert not_refused == {}
