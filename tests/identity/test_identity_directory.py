"""The staff directory: public ids, profile, list, update, deactivate, delete, grants (a role or
named permissions per scope), the permission check operations enforce, scopes by email across
tenants, and tenants kept apart (another tenant's user is not found)."""

from __future__ import annotations

import pytest
from identity_helpers import make_identity
from sqlalchemy import func, select

from voucher_engine.errors import (
    Forbidden,
    PermissionDenied,
    StaffEmailTaken,
    StaffUserNotFound,
    TenantNotFound,
    Unauthorized,
    ValidationError,
)
from voucher_engine.identity import StaffGrant
from voucher_engine.storage.identity_tables import refresh_tokens, staff_roles, staff_users, token_families

REDEEMER = StaffGrant("custom", frozenset({"redeem.voucher"}))


@pytest.fixture
def ann(identity):
    return identity.staff.create_staff_user(
        "acme", "ann@example.com", "pw-ann", full_name="Ann", phone="+1 123", roles={"domain:1": "admin"}
    )


def _count(engine, table) -> int:
    return engine._read(lambda c: c.execute(select(func.count()).select_from(table)).scalar_one())


def test_public_ids_count_per_tenant_and_profiles_are_kept(identity, ann, clock) -> None:
    bob = identity.staff.create_staff_user("acme", "bob@example.com", "pw-bob", grants={"domain:2": REDEEMER})
    other = identity.staff.create_staff_user("globex", "cy@example.com", "pw-cy")
    assert (ann.public_id, bob.public_id, other.public_id) == (1, 2, 1)
    assert (ann.full_name, ann.phone, ann.locale, ann.created_at) == ("Ann", "+1 123", "en", clock.now())
    assert ann.grants == {"domain:1": StaffGrant("admin", frozenset())}
    assert bob.roles == {"domain:2": "custom"} and bob.grants == {"domain:2": REDEEMER}
    assert identity.staff.find_staff_user("acme", public_id=2) == bob
    assert identity.staff.find_staff_user("acme", email=" BOB@example.com") == bob
    assert [u.public_id for u in identity.staff.list_staff_users("acme")] == [1, 2]


def test_an_email_is_taken_once_per_tenant(identity, ann, engine) -> None:
    with pytest.raises(StaffEmailTaken):
        identity.staff.create_staff_user("acme", "Ann@Example.com", "other")
    bob = identity.staff.create_staff_user("acme", "bob@example.com", "pw-bob")
    with pytest.raises(StaffEmailTaken):
        identity.staff.update_staff_user("acme", bob.id, email="ann@example.com")
    assert identity.staff.staff_user("acme", bob.id).email == "bob@example.com"
    assert _count(engine, staff_users) == 2


def test_update_changes_what_is_given_and_replaces_grants_in_one_go(identity, ann) -> None:
    updated = identity.staff.update_staff_user(
        "acme",
        ann.id,
        full_name="Ann Changed",
        phone="+1 987",
        grants={"domain:1": REDEEMER, "domain:2": StaffGrant("admin")},
    )
    assert (updated.full_name, updated.phone, updated.email, updated.locale) == (
        "Ann Changed",
        "+1 987",
        ann.email,
        "en",
    )
    assert updated.grants == {"domain:1": REDEEMER, "domain:2": StaffGrant("admin", frozenset())}
    cleared = identity.staff.update_staff_user("acme", ann.id, phone="")
    assert cleared.phone is None and cleared.grants == updated.grants
    with pytest.raises(ValidationError):
        identity.staff.update_staff_user("acme", ann.id, full_name="x" * 256, grants={})
    with pytest.raises(ValidationError):
        identity.staff.update_staff_user("acme", ann.id, grants={"domain:1": StaffGrant(None, frozenset({"bad name"}))})
    assert identity.staff.staff_user("acme", ann.id) == cleared  # refused updates wrote nothing


def test_another_tenants_user_is_not_found_by_any_operation(identity, ann, engine) -> None:
    operations = {
        "get": lambda: identity.staff.staff_user("globex", ann.id),
        "find by id": lambda: identity.staff.find_staff_user("globex", public_id=ann.public_id),
        "find by email": lambda: identity.staff.find_staff_user("globex", email=ann.email),
        "update": lambda: identity.staff.update_staff_user("globex", ann.id, full_name="Mallory"),
        "permissions": lambda: identity.staff.set_staff_permissions("globex", ann.id, "domain:1", None),
        "password": lambda: identity.staff.set_staff_password("globex", ann.id, "owned"),
        "deactivate": lambda: identity.staff.deactivate_staff_user("globex", ann.id),
        "delete": lambda: identity.staff.delete_staff_user("globex", ann.id),
        "api key": lambda: identity.api_keys.create_api_key("globex", ann.id),
    }
    answered = {}
    for name, operation in operations.items():
        with pytest.raises(StaffUserNotFound) as refused:
            operation()
        answered[name] = refused.value.code
    assert set(answered.values()) == {"staff_user_not_found"}
    assert identity.staff.list_staff_users("globex") == []
    assert identity.staff.staff_user("acme", ann.id) == ann
    assert identity.login("acme", ann.email, "pw-ann", "domain:1").user.id == ann.id


def test_permission_sets_are_enforced_per_scope(identity, ann) -> None:
    identity.staff.set_staff_permissions(
        "acme", ann.id, "domain:1", "custom", frozenset({"redeem.voucher", "manage.orders"})
    )
    identity.staff.set_staff_permissions("acme", ann.id, "domain:2", None, frozenset({"manage.orders"}))
    tokens = identity.login("acme", ann.email, "pw-ann", "domain:1")
    who = identity.verify_staff(tokens.access_token, permission="redeem.voucher")
    assert who.scopes == {"domain:1", "domain:2"} and who.role == "custom"
    assert who.has_permission("domain:1", "redeem.voucher") and who.has_permission("domain:2", "manage.orders")
    assert not who.has_permission("domain:2", "redeem.voucher")
    assert not who.has_permission("domain:3", "manage.orders")
    with pytest.raises(PermissionDenied) as refused:
        who.require_permission("domain:2", "redeem.voucher")
    assert (refused.value.scope, refused.value.permission, refused.value.code) == (
        "domain:2",
        "redeem.voucher",
        "permission_denied",
    )
    assert isinstance(refused.value, Forbidden)
    with pytest.raises(PermissionDenied):
        identity.verify_staff(tokens.access_token, permission="manage.users")
    # A grant without a role logs in too; taking a scope away stops its tokens at once.
    in_two = identity.login("acme", ann.email, "pw-ann", "domain:2")
    assert identity.verify_staff(in_two.access_token).role is None
    identity.staff.set_staff_permissions("acme", ann.id, "domain:2", None)
    with pytest.raises(Forbidden):
        identity.verify_staff(in_two.access_token)
    assert not identity.verify_staff(tokens.access_token).has_permission("domain:2", "manage.orders")


def test_roles_imply_the_permissions_the_configuration_gives_them(engine) -> None:
    identity = make_identity(
        engine, role_permissions={"owner": frozenset({"*"}), "clerk": frozenset({"redeem.voucher"})}
    )
    user = identity.staff.create_staff_user("acme", "o@example.com", "pw", roles={"d1": "owner", "d2": "clerk"})
    who = identity.verify_staff(identity.login("acme", "o@example.com", "pw", "d1").access_token)
    assert who.has_permission("d1", "manage.users") and who.has_permission("d1", "anything.at.all")
    assert who.has_permission("d2", "redeem.voucher") and not who.has_permission("d2", "manage.users")
    # The directory shows what is stored, not what is implied.
    assert identity.staff.staff_user("acme", user.id).grants["d2"] == StaffGrant("clerk", frozenset())


def test_scopes_by_email_across_tenants(identity, ann) -> None:
    identity.staff.create_staff_user("globex", "ANN@example.com", "pw", grants={"shop:9": REDEEMER, "shop:3": REDEEMER})
    inactive = identity.staff.create_staff_user("globex", "zed@example.com", "pw", roles={"shop:1": "admin"})
    identity.staff.deactivate_staff_user("globex", inactive.id)
    assert identity.staff.staff_scopes_by_email("ann@example.com") == [
        ("acme", "domain:1"),
        ("globex", "shop:3"),
        ("globex", "shop:9"),
    ]
    assert identity.staff.staff_scopes_by_email("zed@example.com") == []
    assert identity.staff.staff_scopes_by_email("nobody@example.com") == []
    assert identity.staff.staff_scopes_by_email("not an email") == []


def test_deactivate_and_reactivate(identity, ann) -> None:
    tokens = identity.login("acme", ann.email, "pw-ann", "domain:1")
    identity.staff.deactivate_staff_user("acme", ann.id)
    assert not identity.staff.staff_user("acme", ann.id).active
    assert identity.staff.list_staff_users("acme", include_inactive=False) == []
    with pytest.raises(Unauthorized):
        identity.verify_staff(tokens.access_token)
    with pytest.raises(Unauthorized):
        identity.login("acme", ann.email, "pw-ann", "domain:1")
    identity.staff.reactivate_staff_user("acme", ann.id)
    with pytest.raises(Unauthorized):
        identity.verify_staff(tokens.access_token)  # the old session stays revoked
    assert identity.verify_staff(identity.login("acme", ann.email, "pw-ann", "domain:1").access_token).user_id == ann.id


def test_delete_removes_the_user_and_everything_of_theirs(identity, ann, engine) -> None:
    bob = identity.staff.create_staff_user("acme", "bob@example.com", "pw-bob", roles={"domain:1": "admin"})
    tokens = identity.login("acme", ann.email, "pw-ann", "domain:1")
    identity.refresh(tokens.access_token, tokens.refresh_token)
    key = identity.api_keys.create_api_key("acme", ann.id)
    identity.staff.delete_staff_user("acme", ann.id)
    with pytest.raises(StaffUserNotFound):
        identity.staff.staff_user("acme", ann.id)
    with pytest.raises(Unauthorized):
        identity.verify_staff(tokens.access_token)
    with pytest.raises(Unauthorized):
        identity.verify_api_key(key.key)
    assert [u.id for u in identity.staff.list_staff_users("acme")] == [bob.id]
    assert (_count(engine, staff_users), _count(engine, staff_roles)) == (1, 1)
    assert (_count(engine, token_families), _count(engine, refresh_tokens)) == (0, 0)
    assert identity.staff.create_staff_user("acme", ann.email, "pw").public_id == 3  # ids are never reused


def test_bad_input_is_refused_and_writes_nothing(identity, engine) -> None:
    attempts = [
        lambda: identity.staff.create_staff_user("acme", "no-at-sign", "pw"),
        lambda: identity.staff.create_staff_user("acme", "a@example.com", ""),
        lambda: identity.staff.create_staff_user("acme", "a@example.com", "pw", phone="9" * 65),
        lambda: identity.staff.create_staff_user("acme", "a@example.com", "pw", locale=""),
        lambda: identity.staff.create_staff_user("acme", "a@example.com", "pw", roles={"": "admin"}),
        lambda: identity.staff.create_staff_user(
            "acme", "a@example.com", "pw", grants={"d": StaffGrant(None, frozenset({""}))}
        ),
        lambda: identity.staff.find_staff_user("acme"),
        lambda: identity.staff.find_staff_user("acme", public_id="1"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    with pytest.raises(TenantNotFound):
        identity.staff.create_staff_user("nowhere", "a@example.com", "pw")
    assert _count(engine, staff_users) == 0
