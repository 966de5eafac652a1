"""Every way an access token can be wrong is a 401 from the admin API, over HTTP.

The bad tokens are built with PyJWT from a real token's claims and the real signing key (read
from the key ring the server uses), changing one thing each. All cases run in one test per
backend; a failure names every case that got in or got another status.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import jwt
import pytest
from admin_support import bearer, get_token
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import voucher_engine_admin
from voucher_engine_admin.context import services

PROBE = "/admin/pools"  # a read every valid admin token may do


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()


def _sign(claims: dict, key: bytes | str, kid: str | None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid} if kid else None)


def _without(claims: dict, name: str) -> dict:
    return {k: v for k, v in claims.items() if k != name}


def _rsa_pem() -> bytes:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _tampered(claims: dict, key: bytes, kid: str) -> str:
    header, _, signature = _sign(claims, key, kid).split(".")
    return f"{header}.{_b64({**claims, 'tid': 'globex'})}.{signature}"


def _missing(claim: str) -> Callable[[dict, bytes, str], str]:
    return lambda c, k, kid: _sign(_without(c, claim), k, kid)


CASES = {
    "alg none": lambda c, k, kid: f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(c)}.",
    "HS512 with the right key": lambda c, k, kid: _sign(c, k, kid, "HS512"),
    "RS256 with an attacker's key": lambda c, k, kid: _sign(c, _rsa_pem(), kid, "RS256"),
    "tampered payload": _tampered,
    "another key under our kid": lambda c, k, kid: _sign(c, b"x" * 32, kid),
    **{f"missing {name}": _missing(name) for name in ("exp", "iat", "jti", "aud", "iss", "typ")},
    "wrong audience": lambda c, k, kid: _sign({**c, "aud": "someone-else"}, k, kid),
    "wrong issuer": lambda c, k, kid: _sign({**c, "iss": "someone-else"}, k, kid),
    "session typ": lambda c, k, kid: _sign({**c, "typ": "session"}, k, kid),
    "staff typ": lambda c, k, kid: _sign({**c, "typ": "staff"}, k, kid),
    "not a JWT": lambda c, k, kid: "not-a-token",
}


@pytest.fixture
def valid(http, engine):
    identity = services(engine).identity  # the app's own, with its key ring
    token = get_token(http, *voucher_engine_admin.bootstrap(engine, "acme"))
    kid, key = identity.keys.signing()
    return token, jwt.decode(token, options={"verify_signature": False}), key, kid, identity


def _refused(response) -> bool:
    return response.status_code == 401 and response.json()["code"] == "unauthorized"


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # HS512 with our 32-byte key
def test_every_bad_token_is_401(http, valid):
    token, claims, key, kid, _ = valid
    assert http.get(PROBE, headers=bearer(token)).status_code == 200  # the control: the real one works
    assert http.get(PROBE, headers=bearer(_sign(claims, key, kid))).status_code == 200  # and so does a re-signing
    let_in = {}
    for case, build in CASES.items():
        response = http.get(PROBE, headers=bearer(build(claims, key, kid)))
        if not _refused(response):
            let_in[case] = (response.status_code, response.text)
    assert let_in == {}


def test_a_real_staff_token_is_no_access_token(http, valid):
    *_, identity = valid
    identity.staff.create_staff_user("acme", "ann@example.com", "pw", roles={"admin": "admin"})
    staff = identity.login("acme", "ann@example.com", "pw", "admin")
    assert _refused(http.get(PROBE, headers=bearer(staff.access_token)))
    assert _refused(http.get(PROBE, headers=bearer(staff.refresh_token)))


def test_an_expired_token_is_401_by_the_engine_clock(http, valid, clock):
    token, *_ = valid
    clock.advance(15 * 60 + 29)  # the TTL, within the 30 s leeway
    assert http.get(PROBE, headers=bearer(token)).status_code == 200
    clock.advance(2)
    assert _refused(http.get(PROBE, headers=bearer(token)))
