"""Fresh databases for tests: real SQLite files and real PostgreSQL databases, one per test.

PostgreSQL is taken from ``VOUCHER_ENGINE_TEST_PG_URL`` (default: the local server, database
``test``). Locally, an unreachable server skips its tests with a loud reason; under ``CI=true``
they fail instead, so CI can never pass on SQLite alone.

A migrated database is copied from a template migrated once per test session (a file copy on
SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL): cheaper than migrating every test.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.engine import make_url

PG_URL_VARIABLE = "VOUCHER_ENGINE_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")


def pg_url() -> str:
    """The PostgreSQL server the tests create their databases on (its own database is only
    used to connect)."""
    return os.environ.get(PG_URL_VARIABLE, DEFAULT_PG_URL)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _pg_admin() -> SAEngine:
    return create_engine(make_url(pg_url()), isolation_level="AUTOCOMMIT", pool_pre_ping=True)


_pg_status: dict[str, str | None] = {}  # PostgreSQL URL -> None when it answers, else why not


def pg_unreachable() -> str | None:
    """None when PostgreSQL answers, else why not (probed once per URL and process)."""
    url = pg_url()
    if url not in _pg_status:
        try:
            admin = _pg_admin()
            with admin.connect() as conn:
                conn.execute(text("SELECT 1"))
            admin.dispose()
            _pg_status[url] = None
        except Exception as error:  # noqa: BLE001 - any failure to connect means "unreachable"
            _pg_status[url] = f"{type(error).__name__}: {error}".splitlines()[0]
    return _pg_status[url]


def require_postgresql() -> None:
    """Skip the calling test loudly when PostgreSQL cannot be reached; fail under CI=true."""
    why = pg_unreachable()
    if why is None:
        return
    if in_ci():
        pytest.fail(f"PostgreSQL at {pg_url()} is unreachable under CI=true: {why}")
    pytest.skip(f"!!! PostgreSQL at {pg_url()} unreachable, its tests are SKIPPED: {why}")


_templates: dict[str, str] = {}  # backend -> a migrated database to copy from


def _template(backend: str, tmp_root: Path) -> str:
    """A database migrated once per test session."""
    from voucher_engine import Engine, EngineConfig  # the engine only when a test needs one
    from voucher_engine.plugins import PluginSettings

    if backend not in _templates:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_root / 've-template.sqlite3'}"
        else:
            name = f"ve_template_{secrets.token_hex(6)}"
            admin = _pg_admin()
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = make_url(pg_url()).set(database=name).render_as_string(hide_password=False)
        engine = Engine.open(
            url, config=EngineConfig(auto_migrate=True), plugins=PluginSettings(load_entry_points=False)
        )
        engine.close()  # no connection may stay open on a PostgreSQL template
        _templates[backend] = url
    return _templates[backend]


def drop_templates() -> None:
    """Drop the session's PostgreSQL template (the SQLite one lives in pytest's tmp dir)."""
    _templates.pop("sqlite", None)
    url = _templates.pop("postgresql", None)
    if url is not None:
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


def fresh_database_url(backend: str, tmp_path: Path, *, migrated: bool = False) -> Iterator[str]:
    """Yield the URL of a new database of ``backend`` (empty, or ``migrated`` to the head
    revision); drop it afterwards. A generator, for a fixture to ``yield from``."""
    if backend == "sqlite":
        path = tmp_path / "engine.sqlite3"
        if migrated:
            template = make_url(_template("sqlite", tmp_path.parent)).database
            assert template is not None  # a SQLite template is always a file
            shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    if backend != "postgresql":
        raise ValueError(f"no backend {backend!r}: one of {BACKENDS}")
    require_postgresql()
    name = f"ve_test_{secrets.token_hex(6)}"
    template = f' TEMPLATE "{make_url(_template("postgresql", tmp_path)).database}"' if migrated else ""
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    try:
        yield make_url(pg_url()).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


#: ``with fresh_database(backend, tmp_path, migrated=True) as url:`` outside a fixture.
fresh_database = contextmanager(fresh_database_url)
