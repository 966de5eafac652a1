"""Identity writes are engine commands: the veto hook sees them (named ``identity.*``, with
ids but never a secret), and a vetoed one writes nothing."""

from __future__ import annotations

import random

import pytest
from identity_helpers import make_identity
from sqlalchemy import func, select

from voucher_engine import Engine, EngineConfig
from voucher_engine.errors import Vetoed
from voucher_engine.hookspecs import hookimpl
from voucher_engine.plugins import PluginSettings
from voucher_engine.storage.identity_tables import staff_users


class Watch:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict]] = []

    @hookimpl
    def voucher_engine_veto_command(self, command):
        self.seen.append((command.tenant_id, command.operation, command.request))
        return "staff changes are frozen" if command.operation == "identity.delete_staff_user" else None


@pytest.fixture
def watched(database_url, clock):
    watch = Watch()
    engine = Engine.open(
        database_url,
        clock=clock,
        random=random.Random(3),
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(watch,)),
    )
    engine.create_tenant("acme")
    yield make_identity(engine), engine, watch
    engine.close()


def test_identity_writes_are_engine_commands_seen_by_the_veto_hook(watched) -> None:
    identity, engine, watch = watched
    user = identity.staff.create_staff_user("acme", "ann@example.com", "s3cret-pw", roles={"d1": "admin"})
    tokens = identity.login("acme", "ann@example.com", "s3cret-pw", "d1")
    identity.refresh(tokens.access_token, tokens.refresh_token)
    operations = [(tenant, operation) for tenant, operation, _ in watch.seen]
    assert ("acme", "identity.create_staff_user") in operations
    assert ("", "identity.create_signing_key") in operations  # the platform's own command
    assert ("acme", "identity.start_token_family") in operations
    assert ("acme", "identity.rotate_refresh_token") in operations
    everything = repr(watch.seen)
    assert "s3cret-pw" not in everything and tokens.refresh_token not in everything and "$argon2" not in everything

    with pytest.raises(Vetoed, match="frozen"):
        identity.staff.delete_staff_user("acme", user.id)
    assert engine._read(lambda c: c.execute(select(func.count()).select_from(staff_users)).scalar_one()) == 1
    assert identity.staff.staff_user("acme", user.id).active
