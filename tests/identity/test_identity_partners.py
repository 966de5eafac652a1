"""Partner-signed JWTs: pinned algorithm per partner, required claims, single use of each
jti (exactly one success among 16 parallel threads), pruning, and partner sessions."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from identity_helpers import b64
from sqlalchemy import func, select

from dbsupport import database_of
from voucher_engine.errors import NotFound, Unauthorized, ValidationError
from voucher_engine.storage.identity_tables import partner_jtis

SECRET = "a partner secret of at least thirty-two bytes"


def _claims(clock, jti: str = "j-1", **extra) -> dict:
    now = int(clock.now().timestamp())
    return {"iat": now, "exp": now + 300, "jti": jti, "amount": 5000, **extra}


def _pems(private) -> tuple[bytes, str]:
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def _count(engine) -> int:
    with database_of(engine).read() as conn:
        return conn.execute(select(func.count()).select_from(partner_jtis)).scalar_one()


def test_parallel_use_of_one_jwt_has_exactly_one_winner(identity, engine, clock) -> None:
    identity.partners.register_partner("acme", "jackpot", SECRET, algorithm="HS256")
    token = jwt.encode(_claims(clock), SECRET, algorithm="HS256")
    barrier = threading.Barrier(16)
    outcomes: list[str] = []
    lock = threading.Lock()

    def use() -> None:
        barrier.wait()
        try:
            identity.use_partner_jwt("acme", token, partner_id="jackpot")
            result = "ok"
        except Unauthorized as error:
            result = error.details["reason"]
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=use) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["replayed"] * 15
    assert _count(engine) == 1


@pytest.mark.parametrize("algorithm", ["ES256", "EdDSA"])
def test_public_key_partners_and_algorithm_confusion(identity, clock, algorithm: str) -> None:
    private = ec.generate_private_key(ec.SECP256R1()) if algorithm == "ES256" else ed25519.Ed25519PrivateKey.generate()
    private_pem, public_pem = _pems(private)
    with pytest.raises(ValidationError):
        identity.partners.register_partner("acme", "p", private_pem.decode(), algorithm=algorithm)
    identity.partners.register_partner("acme", "p", public_pem, algorithm=algorithm)
    used = identity.use_partner_jwt("acme", jwt.encode(_claims(clock, iss="p"), private_pem, algorithm=algorithm))
    assert (used.partner_id, used.claims["amount"]) == ("p", 5000)
    # HS256 keyed with the public key (the classic confusion), and alg none: both refused.
    forged = jwt.api_jws.PyJWS()._algorithms["HS256"]
    header = b64({"alg": "HS256", "typ": "JWT"})
    payload = b64(_claims(clock, "j-2"))
    signature = b64(forged.sign(f"{header}.{payload}".encode(), public_pem.encode()))
    none = f"{b64({'alg': 'none'})}.{payload}."
    for token in (f"{header}.{payload}.{signature}", none):
        with pytest.raises(Unauthorized):
            identity.use_partner_jwt("acme", token, partner_id="p")


def test_required_claims_audience_lifetime_and_expiry(identity, clock) -> None:
    identity.partners.register_partner("acme", "p", SECRET, algorithm="HS256", audience="acme-api")
    good = _claims(clock, aud="acme-api")
    variants = {
        **{f"no {name}": {k: v for k, v in good.items() if k != name} for name in ("exp", "iat", "jti", "aud")},
        "wrong aud": {**good, "aud": "other"},
        "lives too long": {**good, "exp": good["iat"] + 25 * 3600},
        "expired": {**good, "iat": good["iat"] - 600, "exp": good["iat"] - 60},
    }
    not_refused = []
    for name, claims in variants.items():
        try:
            unique = {**claims, "jti": name} if "jti" in claims else claims  # keep j-1 unused
            identity.use_partner_jwt("acme", jwt.encode(unique, SECRET, algorithm="HS256"), partner_id="p")
            not_refused.append(name)
        except Unauthorized:
            pass
    assert not_refused == []
    assert identity.use_partner_jwt("acme", jwt.encode(good, SECRET, algorithm="HS256"), partner_id="p").jti == "j-1"


def test_partners_are_per_tenant_and_secrets_must_be_long(identity, clock) -> None:
    identity.partners.register_partner("acme", "p", SECRET, algorithm="HS256")
    token = jwt.encode(_claims(clock), SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        identity.use_partner_jwt("globex", token, partner_id="p")
    with pytest.raises(ValidationError):
        identity.partners.register_partner("acme", "short", "too short", algorithm="HS256")
    with pytest.raises(ValidationError):
        identity.partners.register_partner("acme", "rsa", SECRET, algorithm="RS256")
    with pytest.raises(NotFound):
        identity.partners.register_partner("nobody", "p", SECRET, algorithm="HS256")
    assert identity.use_partner_jwt("acme", token, partner_id="p").tenant_id == "acme"


def test_used_jtis_are_pruned_only_after_expiry(identity, engine, clock) -> None:
    identity.partners.register_partner("acme", "p", SECRET, algorithm="HS256")
    identity.use_partner_jwt("acme", jwt.encode(_claims(clock, "short"), SECRET, algorithm="HS256"), partner_id="p")
    long_lived = {**_claims(clock, "long"), "exp": int(clock.now().timestamp()) + 7200}
    identity.use_partner_jwt("acme", jwt.encode(long_lived, SECRET, algorithm="HS256"), partner_id="p")
    assert identity.partners.prune_partner_jtis() == 0
    clock.advance(timedelta(seconds=300) + identity.config.leeway + timedelta(seconds=1))
    assert identity.partners.prune_partner_jtis() == 1
    assert _count(engine) == 1


def test_a_session_carries_the_partner_claims_and_is_its_own_kind(identity, clock) -> None:
    identity.partners.register_partner("acme", "jackpot", SECRET, algorithm="HS256")
    partner_jwt = jwt.encode(_claims(clock, iss="jackpot"), SECRET, algorithm="HS256")
    opened = identity.open_session("acme", partner_jwt, carry=["amount"])
    session = identity.verify_session(opened.token, tenant_id="acme")
    assert (session.partner_id, session.claims) == ("jackpot", {"amount": 5000})
    assert session.expires_at == clock.now() + identity.config.session_ttl
    with pytest.raises(Unauthorized):
        identity.open_session("acme", partner_jwt, carry=["amount"])  # single use
    with pytest.raises(Unauthorized):
        identity.verify_access(opened.token)  # a session token is not an access token
    with pytest.raises(Unauthorized):
        identity.verify_session(opened.token, tenant_id="globex")
    clock.advance(identity.config.session_ttl + identity.config.leeway)
    with pytest.raises(Unauthorized):
        identity.verify_session(opened.token)


def _raw_signed(claims: dict, literals: dict[str, str], key: str | bytes, *, kid: str | None = None) -> str:
    """A JWT whose payload carries ``literals`` as raw JSON number text (``NaN``, ``1e999``),
    which no ``json.dumps`` of a Python value writes, signed properly."""
    text = json.dumps({**claims, **{name: f"@{name}@" for name in literals}})
    for name, literal in literals.items():
        text = text.replace(f'"@{name}@"', literal)
    return jwt.api_jws.encode(text.encode(), key, algorithm="HS256", headers={"kid": kid} if kid else None)


#: Numbers PyJWT's JSON parser reads but that are no instant: comparisons with NaN are all
#: false, and no datetime holds the others.
NOT_AN_INSTANT = ("NaN", "Infinity", "-Infinity", "1e999", "1" + "0" * 30, "-5")


def test_time_claims_that_are_no_instant_are_refused(identity, clock, engine) -> None:
    """Before: NaN/Infinity were accepted (every comparison false; an ``iat`` of NaN escaped the
    24-hour lifetime cap) or raised OverflowError/ValueError (a 500 over HTTP)."""
    identity.partners.register_partner("acme", "p", SECRET, algorithm="HS256")
    good = _claims(clock)
    far = int(clock.now().timestamp()) + 365 * 86400  # a year: far beyond the lifetime cap
    outcomes = {}
    for claim in ("exp", "iat"):
        for literal in NOT_AN_INSTANT:
            base = {**good, "jti": f"{claim}-{literal}", **({"exp": far} if claim == "iat" else {})}
            try:
                identity.use_partner_jwt("acme", _raw_signed(base, {claim: literal}, SECRET), partner_id="p")
                outcomes[f"{claim}={literal}"] = "accepted"
            except Unauthorized as error:
                assert error.code == "unauthorized"
            except Exception as error:  # noqa: BLE001 - any other error is the 500 this test is about
                outcomes[f"{claim}={literal}"] = repr(error)
    assert outcomes == {}
    assert _count(engine) == 0  # no jti was used up by a refused token
    assert identity.use_partner_jwt("acme", _raw_signed(good, {}, SECRET), partner_id="p").jti == "j-1"
