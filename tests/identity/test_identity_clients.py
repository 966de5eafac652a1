"""API clients and the client-credentials grant: scopes, secrets, tenants."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dbsupport import database_of
from voucher_engine.errors import Forbidden, InvalidScope, NotFound, Unauthorized, ValidationError
from voucher_engine.storage.identity_tables import api_clients


def test_requested_scopes_subset_none_and_superset(identity) -> None:
    client = identity.clients.create_client("acme", ["vouchers:read", "vouchers:write"])
    some = identity.client_credentials(client.client_id, client.secret, "vouchers:read")
    assert some.scope == "vouchers:read"
    assert identity.verify_access(some.access_token).scopes == {"vouchers:read"}
    every = identity.client_credentials(client.client_id, client.secret)
    assert every.scope == "vouchers:read vouchers:write"
    with pytest.raises(InvalidScope) as refused:
        identity.client_credentials(client.client_id, client.secret, ["vouchers:read", "admin"])
    assert refused.value.details["refused"] == "admin"
    assert isinstance(refused.value, Forbidden)


def test_a_missing_scope_is_forbidden_a_bad_token_unauthorized(identity) -> None:
    client = identity.clients.create_client("acme", ["vouchers:read", "vouchers:write"])
    token = identity.client_credentials(client.client_id, client.secret, "vouchers:read").access_token
    assert identity.verify_access(token, "vouchers:read").client_id == client.client_id
    with pytest.raises(Forbidden) as forbidden:
        identity.verify_access(token, "vouchers:write")
    assert forbidden.value.code == "forbidden"
    with pytest.raises(Unauthorized):
        identity.verify_access(token + "x", "vouchers:read")


def test_bad_credentials_are_unauthorized(identity) -> None:
    client = identity.clients.create_client("acme", ["a"])
    secret = client.secret
    wrong_secret = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for client_id, attempt in [(client.client_id, wrong_secret), ("cli_nobody", secret)]:
        with pytest.raises(Unauthorized):
            identity.client_credentials(client_id, attempt)
    identity.clients.disable_client("acme", client.client_id)
    with pytest.raises(Unauthorized):
        identity.client_credentials(client.client_id, secret)


def test_the_secret_is_stored_only_as_an_argon2_hash_and_rotates(identity, engine) -> None:
    client = identity.clients.create_client("acme", ["a"])
    with database_of(engine).read() as conn:
        stored = conn.execute(select(api_clients).where(api_clients.c.id == client.client_id)).one()
    assert stored.secret_hash.startswith("$argon2id$")
    assert client.secret not in str(tuple(stored))
    fresh = identity.clients.rotate_client_secret("acme", client.client_id)
    with pytest.raises(Unauthorized):
        identity.client_credentials(client.client_id, client.secret)
    assert identity.client_credentials(client.client_id, fresh).scope == "a"


def test_one_tenants_client_cannot_reach_another_tenants_objects(identity) -> None:
    client = identity.clients.create_client("acme", ["a"])
    token = identity.client_credentials(client.client_id, client.secret).access_token
    assert identity.verify_access(token, tenant_id="acme").tenant_id == "acme"
    with pytest.raises(Unauthorized):
        identity.verify_access(token, tenant_id="globex")
    with pytest.raises(NotFound):
        identity.clients.rotate_client_secret("globex", client.client_id)
    with pytest.raises(NotFound):
        identity.clients.disable_client("globex", client.client_id)
    assert identity.client_credentials(client.client_id, client.secret).scope == "a"


def test_invalid_scopes_are_refused_and_write_nothing(identity, engine) -> None:
    for scopes in [[], ["has space"], ['quote"'], ["back\\slash"], "   "]:
        with pytest.raises(ValidationError):
            identity.clients.create_client("acme", scopes)
    with database_of(engine).read() as conn:
        assert conn.execute(select(func.count()).select_from(api_clients)).scalar_one() == 0
