"""``$VOUCHER_ENGINE_ARGON2``: the argon2id cost of the Identity that ``create_app_from_env``
(what ``voucher-engine serve`` runs) gives the providers. The test suite lowers it for every
server it starts; production keeps RFC 9106's default."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dbsupport import database_of
from voucher_engine.errors import ValidationError
from voucher_engine.identity import Argon2Params, Identity
from voucher_engine.storage.identity_tables import api_clients
from voucher_engine_litestar import create_app_from_env

VARIABLE = "VOUCHER_ENGINE_ARGON2"


def test_the_setting_is_the_cost_of_new_hashes_in_the_served_app(sqlite_url, monkeypatch) -> None:
    monkeypatch.setenv("VOUCHER_ENGINE_URL", sqlite_url)
    monkeypatch.setenv(VARIABLE, "time_cost=2, memory_cost_kib=128, parallelism=1")
    app = create_app_from_env()
    engine = app.state.engine
    try:
        identity = engine.shared(Identity)
        assert identity.config.argon2 == Argon2Params(time_cost=2, memory_cost_kib=128, parallelism=1)
        engine.create_tenant("acme")
        created = identity.clients.create_client("acme", ["admin"], "ci")
        with database_of(engine).read() as conn:
            stored = conn.execute(select(api_clients).where(api_clients.c.id == created.client_id)).one()
        assert stored.secret_hash.startswith("$argon2id$v=19$m=128,t=2,p=1$")
    finally:
        engine.close()


def test_unset_the_served_app_hashes_at_the_default_cost(sqlite_url, monkeypatch) -> None:
    monkeypatch.setenv("VOUCHER_ENGINE_URL", sqlite_url)
    monkeypatch.delenv(VARIABLE)
    app = create_app_from_env()
    try:
        assert app.state.engine.shared(Identity).config.argon2 == Argon2Params()
    finally:
        app.state.engine.close()


@pytest.mark.parametrize(("value", "named"), [
    ("time_cost=0", "time_cost"), ("passes=2", "'passes'"), ("memory_cost_kib=lots", "memory_cost_kib"),
    ("memory_cost_kib=8,parallelism=4", "memory_cost_kib"),
])
def test_a_bad_setting_stops_the_start_naming_the_variable_and_key(
    sqlite_url, monkeypatch, value: str, named: str,
) -> None:
    monkeypatch.setenv("VOUCHER_ENGINE_URL", sqlite_url)
    monkeypatch.setenv(VARIABLE, value)
    with pytest.raises(ValidationError) as raised:
        create_app_from_env()
    assert VARIABLE in str(raised.value) and named in str(raised.value)


def test_keys_left_out_keep_their_default() -> None:
    assert Argon2Params.parse("time_cost=1") == Argon2Params(time_cost=1)
    assert Argon2Params.parse("") == Argon2Params()
