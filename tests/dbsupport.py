"""Fresh databases for tests: real SQLite files and real PostgreSQL databases.

A plain module (not conftest.py), so that test modules in any folder can import it by one
unambiguous name.

PostgreSQL is taken from ``VOUCHER_ENGINE_TEST_PG_URL`` (default: the local server, database
``test``). Locally, an unreachable server skips its tests with a loud reason; under ``CI=true``
they fail instead, so CI can never pass on SQLite alone.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from voucher_engine import Engine, EngineConfig
from voucher_engine.plugins import PluginSettings

PG_URL = os.environ.get(
    "VOUCHER_ENGINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin():  # noqa: ANN202
    return create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT", pool_pre_ping=True)


_pg_status: list[str | None] = []


def _pg_unreachable() -> str | None:
    """None when PostgreSQL answers, else why not (probed once per session)."""
    if not _pg_status:
        try:
            admin = _pg_admin()
            with admin.connect() as conn:
                conn.execute(text("SELECT 1"))
            admin.dispose()
            _pg_status.append(None)
        except Exception as error:  # noqa: BLE001 - any failure to connect means "unreachable"
            _pg_status.append(f"{type(error).__name__}: {error}".splitlines()[0])
    return _pg_status[0]


_templates: dict[str, str] = {}  # backend -> a migrated database to copy from


def _template(backend: str, tmp_root: Path) -> str:
    """A database migrated once per test session; copying it beats migrating each test."""
    if backend not in _templates:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_root / 'template.sqlite3'}"
        else:
            name = f"ve_template_{secrets.token_hex(6)}"
            admin = _pg_admin()
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        engine = Engine.open(url, config=EngineConfig(auto_migrate=True), plugins=PluginSettings(load_entry_points=False))
        engine.close()  # no connection may stay open on a PostgreSQL template
        _templates[backend] = url
    return _templates[backend]


def drop_templates() -> None:
    url = _templates.pop("postgresql", None)
    if url is not None:
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


def fresh_database_url(backend: str, tmp_path, *, migrated: bool = False) -> Iterator[str]:  # noqa: ANN001
    """Yield the URL of a new database of ``backend`` (empty, or ``migrated`` to head); drop
    it afterwards."""
    if backend == "sqlite":
        path = tmp_path / "engine.sqlite3"
        if migrated:
            shutil.copyfile(make_url(_template("sqlite", tmp_path.parent)).database, path)
        yield f"sqlite:///{path}"
        return
    why = _pg_unreachable()
    if why is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable under CI=true: {why}")
        pytest.skip(f"!!! PostgreSQL at {PG_URL} unreachable, its tests are SKIPPED: {why}")
    name = f"ve_test_{secrets.token_hex(6)}"
    admin = _pg_admin()
    template = f' TEMPLATE "{make_url(_template("postgresql", tmp_path)).database}"' if migrated else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()



def open_engine(url: str, clock=None, seed: int | None = None, **config) -> Engine:  # noqa: ANN001
    """An engine on ``url``, migrated; a seeded random source makes codes reproducible."""
    return Engine.open(
        url,
        clock=clock,
        random=random.Random(seed) if seed is not None else None,
        config=EngineConfig(auto_migrate=True, **config),
    )


def database_of(engine: Engine):  # noqa: ANN201
    """The engine's database wrapper (``engine._db``), for tests that look at or damage rows
    behind the engine's back. Tests only: a host reads and writes through the engine."""
    return engine._db
