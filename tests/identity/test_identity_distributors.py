"""Distributor bearer tokens: bound to one distributor, stored as digests, rotatable."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from dbsupport import database_of
from voucher_engine.errors import AlreadyExists, NotFound, Unauthorized
from voucher_engine.storage.identity_tables import distributors


def test_a_token_names_its_distributor_and_rotation_kills_the_old_one(identity) -> None:
    old = identity.distributors.create_distributor("acme", "shop-1")
    other = identity.distributors.create_distributor("acme", "shop-2")
    found = identity.authenticate_distributor(old)
    assert (found.tenant_id, found.distributor_id) == ("acme", "shop-1")
    new = identity.distributors.rotate_distributor_token("acme", "shop-1")
    with pytest.raises(Unauthorized):
        identity.authenticate_distributor(old)
    assert identity.authenticate_distributor(new).distributor_id == "shop-1"
    assert identity.authenticate_distributor(other).distributor_id == "shop-2"


def test_only_a_digest_is_stored(identity, engine) -> None:
    token = identity.distributors.create_distributor("acme", "shop-1")
    with database_of(engine).read() as conn:
        row = conn.execute(select(distributors)).one()
    assert token not in str(tuple(row))
    assert row.token_digest == hashlib.sha256(token.encode()).hexdigest()


def test_tenants_are_kept_apart(identity) -> None:
    token = identity.distributors.create_distributor("acme", "shop-1")
    globex = identity.distributors.create_distributor("globex", "shop-1")  # same id, other tenant
    assert identity.authenticate_distributor(globex).tenant_id == "globex"
    with pytest.raises(Unauthorized):
        identity.authenticate_distributor(token, tenant_id="globex")
    with pytest.raises(AlreadyExists):
        identity.distributors.create_distributor("acme", "shop-1")
    with pytest.raises(NotFound):
        identity.distributors.rotate_distributor_token("globex", "shop-2")
    assert identity.authenticate_distributor(token, tenant_id="acme").distributor_id == "shop-1"


def test_unknown_tokens_are_unauthorized(identity) -> None:
    identity.distributors.create_distributor("acme", "shop-1")
    for token in ["", "dt_unknown", "no-prefix", None]:
        with pytest.raises(Unauthorized):
            identity.authenticate_distributor(token)
