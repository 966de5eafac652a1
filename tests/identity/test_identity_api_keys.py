"""Staff API keys: a bearer key acting as its staff user with the user's grants as they are
now; revocable, tied to the user's life, optionally to one scope, tenants apart; and one
Bearer check that takes either a key or a staff JWT (VoucherCart's "API key (or JWT token)")."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from voucher_engine.errors import ApiKeyNotFound, Forbidden, PermissionDenied, Unauthorized, ValidationError
from voucher_engine.identity import StaffGrant
from voucher_engine.storage.identity_tables import staff_api_keys

REDEEM = frozenset({"redeem.voucher"})


@pytest.fixture
def ann(identity):
    return identity.staff.create_staff_user(
        "acme", "ann@example.com", "pw", grants={"d1": StaffGrant("custom", REDEEM), "d2": StaffGrant("admin")}
    )


def test_a_key_acts_as_its_user_with_the_current_grants(identity, ann, engine) -> None:
    new = identity.api_keys.create_api_key("acme", ann.id, name="till 1")
    assert new.key.startswith("ak_") and new.name == "till 1" and new.scope is None
    who = identity.verify_api_key(new.key)
    assert (who.tenant_id, who.user_id, who.public_id, who.via, who.key_id) == (
        "acme",
        ann.id,
        1,
        "api_key",
        new.key_id,
    )
    assert (who.scope, who.role, who.family_id) == (None, None, None)
    assert who.has_permission("d1", "redeem.voucher") and not who.has_permission("d2", "redeem.voucher")
    assert identity.verify_api_key(new.key, scope="d1", permission="redeem.voucher").role == "custom"
    with pytest.raises(PermissionDenied):
        identity.verify_api_key(new.key, scope="d2", permission="redeem.voucher")
    with pytest.raises(Forbidden):
        identity.verify_api_key(new.key, roles={"admin"})  # no scope named: no role to check
    with pytest.raises(ValidationError):
        identity.verify_api_key(new.key, permission="redeem.voucher")  # in which scope?
    identity.staff.set_staff_permissions("acme", ann.id, "d2", "admin", REDEEM)
    assert identity.verify_api_key(new.key).has_permission("d2", "redeem.voucher")  # no re-issue needed
    stored = engine._read(lambda c: c.execute(select(staff_api_keys)).one())
    assert stored.digest == hashlib.sha256(new.key.encode()).hexdigest() and new.key not in str(tuple(stored))


def test_a_scoped_key_works_in_its_scope_only(identity, ann) -> None:
    key = identity.api_keys.create_api_key("acme", ann.id, scope="d1").key
    who = identity.verify_api_key(key)
    assert (who.scope, who.role, who.scopes) == ("d1", "custom", {"d1"})
    assert not who.has_permission("d2", "anything")
    with pytest.raises(Unauthorized):
        identity.verify_api_key(key, scope="d2")


def test_revocation_and_the_users_life_end_a_key(identity, ann) -> None:
    first = identity.api_keys.create_api_key("acme", ann.id)
    second = identity.api_keys.create_api_key("acme", ann.id)
    identity.api_keys.revoke_api_key("acme", first.key_id)
    identity.api_keys.revoke_api_key("acme", first.key_id)  # twice is harmless
    with pytest.raises(Unauthorized):
        identity.verify_api_key(first.key)
    assert identity.verify_api_key(second.key).key_id == second.key_id
    listed = {k.key_id: k.revoked_at is not None for k in identity.api_keys.list_api_keys("acme", user_id=ann.id)}
    assert listed == {first.key_id: True, second.key_id: False}
    identity.staff.deactivate_staff_user("acme", ann.id)
    with pytest.raises(Unauthorized):
        identity.verify_api_key(second.key)
    identity.staff.reactivate_staff_user("acme", ann.id)
    assert identity.verify_api_key(second.key).user_id == ann.id


def test_tenants_are_kept_apart(identity, ann) -> None:
    key = identity.api_keys.create_api_key("acme", ann.id)
    with pytest.raises(Unauthorized):
        identity.verify_api_key(key.key, tenant_id="globex")
    with pytest.raises(ApiKeyNotFound):
        identity.api_keys.revoke_api_key("globex", key.key_id)
    assert identity.api_keys.list_api_keys("globex") == []
    assert identity.verify_api_key(key.key, tenant_id="acme").tenant_id == "acme"


def test_one_bearer_check_for_keys_and_staff_jwts(identity, ann) -> None:
    key = identity.api_keys.create_api_key("acme", ann.id).key
    jwt = identity.login("acme", ann.email, "pw", "d1").access_token
    assert identity.verify_staff_bearer(key, scope="d1", permission="redeem.voucher").via == "api_key"
    by_jwt = identity.verify_staff_bearer(jwt, permission="redeem.voucher")
    assert (by_jwt.via, by_jwt.scope) == ("token", "d1")
    for bad in ("ak_forged", "not-a-jwt", ""):
        with pytest.raises(Unauthorized):
            identity.verify_staff_bearer(bad)
