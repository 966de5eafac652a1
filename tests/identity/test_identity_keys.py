"""Signing keys: generated once into the database and shared by every process on it,
rotated (newest signs, older still verify), retired (refused), or taken from configuration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from identity_helpers import make_identity, parts
from sqlalchemy import func, select

from dbsupport import database_of
from voucher_engine import Engine, EngineConfig
from voucher_engine.errors import Unauthorized, ValidationError
from voucher_engine.identity.keyring import configured_kid
from voucher_engine.storage.identity_tables import signing_keys


def _token(identity) -> str:
    client = identity.clients.create_client("acme", ["a"])
    return identity.client_credentials(client.client_id, client.secret).access_token


def _second_process(engine: Engine, clock):
    """Another engine on the same database, as another process would open it."""
    other = Engine.open(
        str(database_of(engine).url.render_as_string(hide_password=False)),
        clock=clock,
        config=EngineConfig(auto_migrate=False),
    )
    return other


def test_one_generated_key_is_shared_and_rotation_is_seen_by_other_processes(engine, clock) -> None:
    first = make_identity(engine)
    token = _token(first)
    other_engine = _second_process(engine, clock)
    try:
        second = make_identity(other_engine)
        assert second.verify_access(token).tenant_id == "acme"
        with database_of(engine).read() as conn:
            assert conn.execute(select(func.count()).select_from(signing_keys)).scalar_one() == 1

        old_kid = parts(token)[0]["kid"]
        new_kid = first.keys.rotate()
        rotated = _token(first)
        assert parts(rotated)[0]["kid"] == new_kid != old_kid
        # The other process has never seen new_kid: it looks it up instead of refusing.
        assert second.verify_access(rotated).tenant_id == "acme"
        assert second.verify_access(token).tenant_id == "acme"  # old key still verifies
        clock.advance(second.config.key_cache_ttl)
        assert parts(_token(second))[0]["kid"] == new_kid  # after its cache TTL it signs anew

        first.keys.retire(old_kid)
        with pytest.raises(Unauthorized):
            first.verify_access(token)
        clock.advance(second.config.key_cache_ttl)
        with pytest.raises(Unauthorized):
            second.verify_access(token)
        assert second.verify_access(rotated).tenant_id == "acme"
    finally:
        other_engine.close()


def test_the_signing_key_cannot_be_retired(identity) -> None:
    kid, _ = identity.keys.signing()
    with pytest.raises(ValidationError):
        identity.keys.retire(kid)
    assert identity.keys.signing()[0] == kid


def test_configured_keys_sign_and_verify_and_nothing_is_stored(engine) -> None:
    old, new = "o" * 32, "n" * 40
    before = make_identity(engine, signing_keys=(old,))
    old_token = _token(before)
    after = make_identity(engine, signing_keys=(new, old))
    new_token = _token(after)
    assert parts(old_token)[0]["kid"] == configured_kid(old.encode())
    assert parts(new_token)[0]["kid"] == configured_kid(new.encode())
    assert after.verify_access(old_token).tenant_id == "acme"
    with pytest.raises(Unauthorized):
        before.verify_access(new_token)
    with database_of(engine).read() as conn:
        assert conn.execute(select(func.count()).select_from(signing_keys)).scalar_one() == 0
    with pytest.raises(ValidationError):
        after.keys.rotate()


def test_a_short_configured_key_is_refused(engine) -> None:
    with pytest.raises(ValidationError):
        make_identity(engine, signing_keys=("too short",))


def test_an_issued_token_expires_by_the_engine_clock(identity, clock) -> None:
    token = _token(identity)
    ttl, leeway = identity.config.access_ttl, identity.config.leeway
    clock.advance(ttl + leeway - timedelta(seconds=1))
    assert identity.verify_access(token).tenant_id == "acme"
    clock.advance(timedelta(seconds=1))
    with pytest.raises(Unauthorized) as refused:
        identity.verify_access(token)
    assert refused.value.details["reason"] == "expired"
