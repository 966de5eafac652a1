"""``[argon2]`` (``VOUCHER_ENGINE_ARGON2_...``): the argon2id cost of the Identity that
``create_app_from_env`` (what ``voucher-engine serve`` runs) gives the providers. The test
suite lowers it for every server it starts (tests/conftest.py); production keeps RFC 9106's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dbsupport import database_of
from voucher_engine.config import ConfigError
from voucher_engine.identity import Argon2Params, Identity
from voucher_engine.storage.identity_tables import api_clients
from voucher_engine_litestar import create_app_from_env

KEYS = ("TIME_COST", "MEMORY_COST_KIB", "PARALLELISM")


@pytest.fixture
def env(sqlite_url, monkeypatch):
    """The served app's environment on a fresh SQLite file, with no ``[argon2]`` key set."""
    monkeypatch.setenv("VOUCHER_ENGINE_URL", sqlite_url)
    monkeypatch.delenv("VOUCHER_ENGINE_CONFIG", raising=False)
    for key in KEYS:
        monkeypatch.delenv(f"VOUCHER_ENGINE_ARGON2_{key}", raising=False)
    return monkeypatch


def test_the_setting_is_the_cost_of_new_hashes_in_the_served_app(env, tmp_path) -> None:
    config = tmp_path / "voucher-engine.toml"
    config.write_text("[argon2]\ntime_cost = 2\nmemory_cost_kib = 128\n")
    env.setenv("VOUCHER_ENGINE_CONFIG", str(config))
    env.setenv("VOUCHER_ENGINE_ARGON2_PARALLELISM", "2")  # the environment overrides the file
    app = create_app_from_env()
    engine = app.state.engine
    try:
        identity = engine.shared(Identity)
        assert identity.config.argon2 == Argon2Params(time_cost=2, memory_cost_kib=128, parallelism=2)
        engine.create_tenant("acme")
        created = identity.clients.create_client("acme", ["admin"], "ci")
        with database_of(engine).read() as conn:
            stored = conn.execute(select(api_clients).where(api_clients.c.id == created.client_id)).one()
        assert stored.secret_hash.startswith("$argon2id$v=19$m=128,t=2,p=2$")
    finally:
        engine.close()


def test_unset_the_served_app_hashes_at_the_default_cost(env) -> None:
    app = create_app_from_env()
    try:
        assert app.state.engine.shared(Identity).config.argon2 == Argon2Params()
    finally:
        app.state.engine.close()


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("TIME_COST", "0", "argon2.time_cost"),
        ("MEMORY_COST_KIB", "lots", "argon2.memory_cost_kib"),
        ("PARALLELISM", "16", "argon2.memory_cost_kib"),  # 16 lanes need 128 KiB, not 64
    ],
)
def test_a_bad_setting_stops_the_start_naming_the_key(env, variable: str, value: str, named: str) -> None:
    env.setenv(f"VOUCHER_ENGINE_ARGON2_{variable}", value)
    if variable == "PARALLELISM":
        env.setenv("VOUCHER_ENGINE_ARGON2_MEMORY_COST_KIB", "64")
    with pytest.raises(ConfigError) as raised:
        create_app_from_env()
    assert named in str(raised.value)
