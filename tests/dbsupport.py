"""Fresh databases for the tests: the test kit's (``voucher_engine.testing.databases``), under
the names the test modules import, plus ``open_engine``.

A plain module (not conftest.py), so that test modules in any folder can import it by one
unambiguous name.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import UniqueConstraint, event

from voucher_engine import Engine, EngineConfig
from voucher_engine.identity import Argon2Params, IdentityConfig
from voucher_engine.testing.databases import BACKENDS as _BACKENDS
from voucher_engine.testing.databases import (  # noqa: F401 - re-exported for the test modules
    drop_templates,
    fresh_database_url,
    in_ci,
    pg_url,
)

#: The cheapest argon2id argon2-cffi accepts: the tests check behaviour, not cost. The root
#: conftest.py gives every server process the tests start the same, through ``[argon2]``.
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1)
#: For an in-process ``Identity(engine, CHEAP_IDENTITY)`` (even one that hashes nothing makes
#: a decoy hash when built).
CHEAP_IDENTITY = IdentityConfig(argon2=CHEAP_ARGON2)

BACKENDS = list(_BACKENDS)
PG_URL = pg_url()
IN_CI = in_ci()


def open_engine(url: str, clock=None, seed: int | None = None, **config) -> Engine:
    """An engine on ``url``, migrated; a seeded random source makes codes reproducible."""
    return Engine.open(
        url,
        clock=clock,
        random=random.Random(seed) if seed is not None else None,
        config=EngineConfig(auto_migrate=True, **config),
    )


def database_of(engine: Engine):
    """The engine's database wrapper (``engine._db``), for tests that look at or damage rows
    behind the engine's back. Tests only: a host reads and writes through the engine."""
    return engine._db


def fired(target: Any, name: str, operation: Callable[[], object]) -> list[tuple[Any, ...]]:
    """The arguments of each time SQLAlchemy's event ``name`` fired on ``target`` (an engine,
    a pool) while ``operation`` ran."""
    calls: list[tuple[Any, ...]] = []

    def note(*args: Any) -> None:
        calls.append(args)

    event.listen(target, name, note)
    try:
        operation()
    finally:
        event.remove(target, name, note)
    return calls


def changed_by_0012(diff) -> bool:
    """A difference from ``tables.py`` that migration 0012 removes (pool_codes' unique key, led by
    the code from then on): for the tests of migrations before it, which compare their tables
    with ``tables.py``."""
    kind, item = diff[0], diff[1]
    return (
        kind in ("add_constraint", "remove_constraint")
        and isinstance(item, UniqueConstraint)
        and item.table.name == "pool_codes"
    )


def idempotency_row(tenant_id: str, key: str, created_at) -> dict:
    """An ``idempotency_keys`` row, for the tests that insert one straight through a statement."""
    return {
        "tenant_id": tenant_id,
        "scope": "",
        "key": key,
        "operation": "op",
        "request_hash": "h",
        "response": {},
        "created_at": created_at,
    }
