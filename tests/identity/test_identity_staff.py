"""Staff users: login per scope, refresh rotation, reuse detection revoking the family (and
its access tokens), hashed passwords, constant work for unknown emails, tenants apart."""

from __future__ import annotations

import hashlib
import threading

import argon2
import pytest
from sqlalchemy import select

from dbsupport import database_of
from voucher_engine.errors import Forbidden, Unauthorized, ValidationError
from voucher_engine.storage.identity_tables import refresh_tokens, staff_users, token_families

ROLES = {"domain:8": "admin", "domain:9": "clerk"}


@pytest.fixture
def staff(identity):
    return identity.staff.create_staff_user(
        "acme", "Demo@Example.com ", "sEcret9", full_name="Demo", locale="de", roles=ROLES
    )


def test_login_issues_a_pair_bound_to_the_scope(identity, staff) -> None:
    tokens = identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    assert tokens.refresh_token.startswith("RT")
    assert (tokens.user.email, tokens.user.full_name, tokens.user.locale) == ("demo@example.com", "Demo", "de")
    principal = identity.verify_staff(tokens.access_token, roles={"admin"}, scope="domain:8")
    assert (principal.user_id, principal.role, principal.family_id) == (staff.id, "admin", tokens.family_id)
    clerk = identity.login("acme", "DEMO@example.com", "sEcret9", "domain:9")
    with pytest.raises(Forbidden):
        identity.verify_staff(clerk.access_token, roles={"admin"})
    with pytest.raises(Unauthorized):
        identity.verify_staff(clerk.access_token, scope="domain:8")


def test_every_failed_login_is_the_same_and_spends_an_argon2_verify(identity, staff, monkeypatch) -> None:
    calls = []
    real_verify = argon2.PasswordHasher.verify

    def counting(self, hash, password):
        calls.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    attempts = [
        ("demo@example.com", "wrong", "domain:8"),
        ("nobody@example.com", "sEcret9", "domain:8"),
        ("demo@example.com", "sEcret9", "domain:404"),
        ("not an email", "sEcret9", "domain:8"),
    ]
    for email, password, scope in attempts:
        with pytest.raises(Unauthorized) as refused:
            identity.login("acme", email, password, scope)
        assert (refused.value.message, refused.value.details) == ("invalid credentials", {"reason": "login"})
    assert len(calls) == len(attempts)
    assert all(h.startswith("$argon2id$") for h in calls)


def test_refresh_rotates_both_and_reuse_revokes_the_family(identity, staff) -> None:
    first = identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    second = identity.refresh(first.access_token, first.refresh_token)
    assert second.family_id == first.family_id
    assert second.refresh_token != first.refresh_token
    assert second.access_token_id != first.access_token_id
    third = identity.refresh(second.access_token, second.refresh_token)
    assert identity.verify_staff(third.access_token).family_id == first.family_id

    with pytest.raises(Unauthorized) as reused:
        identity.refresh(second.access_token, second.refresh_token)
    assert reused.value.details["reason"] == "reused"
    with pytest.raises(Unauthorized) as revoked:
        identity.refresh(third.access_token, third.refresh_token)  # never used, but its family is gone
    assert revoked.value.details["reason"] == "revoked"
    for access in (first.access_token, third.access_token):
        with pytest.raises(Unauthorized):
            identity.verify_staff(access)
    other = identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    assert identity.verify_staff(other.access_token).family_id == other.family_id


def test_refresh_accepts_an_expired_access_token_but_not_an_expired_refresh_token(identity, staff, clock) -> None:
    tokens = identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    clock.advance(identity.config.staff_access_ttl + identity.config.leeway)
    with pytest.raises(Unauthorized):
        identity.verify_staff(tokens.access_token)
    renewed = identity.refresh(tokens.access_token, tokens.refresh_token)
    assert identity.verify_staff(renewed.access_token).user_id == staff.id
    clock.advance(identity.config.refresh_ttl)
    with pytest.raises(Unauthorized) as expired:
        identity.refresh(renewed.access_token, renewed.refresh_token)
    assert expired.value.details["reason"] == "expired"


def test_a_refresh_token_only_works_with_its_own_familys_access_token(identity, staff) -> None:
    one = identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    two = identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    with pytest.raises(Unauthorized) as mixed:
        identity.refresh(one.access_token, two.refresh_token)
    assert mixed.value.details["reason"] == "unknown"
    with pytest.raises(Unauthorized):
        identity.refresh(two.refresh_token, two.refresh_token)  # a refresh token is not a JWT
    # Neither family was harmed by the mix-up.
    assert identity.refresh(one.access_token, one.refresh_token).family_id == one.family_id
    assert identity.refresh(two.access_token, two.refresh_token).family_id == two.family_id


def test_parallel_refresh_with_one_token_rotates_once_then_revokes(identity, staff, engine) -> None:
    tokens = identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def refresh() -> None:
        barrier.wait()
        try:
            identity.refresh(tokens.access_token, tokens.refresh_token)
            result = "ok"
        except Unauthorized as error:
            result = error.details["reason"]
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=refresh) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} <= {"reused", "revoked"} and len(outcomes) == 8
    with database_of(engine).read() as conn:
        family = conn.execute(select(token_families)).one()
    assert family.revoked_reason == "reuse"


def test_secrets_are_not_stored_in_clear(identity, staff, engine) -> None:
    tokens = identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    with database_of(engine).read() as conn:
        user = conn.execute(select(staff_users)).one()
        stored = conn.execute(select(refresh_tokens)).one()
    assert user.password_hash.startswith("$argon2id$") and "sEcret9" not in str(tuple(user))
    assert stored.digest == hashlib.sha256(tokens.refresh_token.encode()).hexdigest()
    assert tokens.refresh_token not in str(tuple(stored))


def test_tenants_are_kept_apart(identity, staff) -> None:
    identity.staff.create_staff_user("globex", "demo@example.com", "globex-pass", roles={"domain:8": "admin"})
    assert identity.login("globex", "demo@example.com", "globex-pass", "domain:8").user.tenant_id == "globex"
    with pytest.raises(Unauthorized):
        identity.login("globex", "demo@example.com", "sEcret9", "domain:8")
    with pytest.raises(Unauthorized):
        identity.login("acme", "demo@example.com", "globex-pass", "domain:8")
    acme = identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    with pytest.raises(Unauthorized):
        identity.verify_staff(acme.access_token, tenant_id="globex")


def test_role_removal_and_password_change_take_effect_at_once(identity, staff) -> None:
    tokens = identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    identity.staff.set_staff_role("acme", staff.id, "domain:8", None)
    with pytest.raises(Forbidden):
        identity.verify_staff(tokens.access_token)
    identity.staff.set_staff_role("acme", staff.id, "domain:8", "admin")
    assert identity.verify_staff(tokens.access_token).role == "admin"
    identity.staff.set_staff_password("acme", staff.id, "new password")
    with pytest.raises(Unauthorized):
        identity.verify_staff(tokens.access_token)
    with pytest.raises(Unauthorized):
        identity.login("acme", "demo@example.com", "sEcret9", "domain:8")
    assert identity.login("acme", "demo@example.com", "new password", "domain:8").user.id == staff.id


def test_bad_input_is_refused_and_writes_nothing(identity, staff, engine) -> None:
    for email, password in [("no-at-sign", "pw"), ("x@y.z", ""), ("x@y.z", "p" * 1025)]:
        with pytest.raises(ValidationError):
            identity.staff.create_staff_user("acme", email, password)
    with database_of(engine).read() as conn:
        assert [row.id for row in conn.execute(select(staff_users.c.id))] == [staff.id]
