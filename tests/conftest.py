"""Shared fixtures: real SQLite files and a real, fresh PostgreSQL database per test.

PostgreSQL is taken from ``VOUCHER_ENGINE_TEST_PG_URL`` (default: the local server, database
``test``). Locally, an unreachable server skips its tests with a loud reason; under ``CI=true``
they fail instead, so CI can never pass on SQLite alone.
"""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from voucher_engine import Engine, EngineConfig, ManualClock

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


def fresh_database_url(backend: str, tmp_path) -> Iterator[str]:  # noqa: ANN001
    """Yield the URL of a new, empty database of ``backend``; drop it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'engine.sqlite3'}"
        return
    why = _pg_unreachable()
    if why is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable under CI=true: {why}")
        pytest.skip(f"!!! PostgreSQL at {PG_URL} unreachable, its tests are SKIPPED: {why}")
    name = f"ve_test_{secrets.token_hex(6)}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:  # noqa: ANN001
    return request.param


@pytest.fixture
def database_url(backend: str, tmp_path) -> Iterator[str]:  # noqa: ANN001
    yield from fresh_database_url(backend, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:  # noqa: ANN001
    yield from fresh_database_url("sqlite", tmp_path)


@pytest.fixture
def pg_url(tmp_path) -> Iterator[str]:  # noqa: ANN001
    yield from fresh_database_url("postgresql", tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def open_engine(url: str, clock=None, seed: int | None = None, **config) -> Engine:  # noqa: ANN001
    """An engine on ``url``, migrated; a seeded random source makes codes reproducible."""
    return Engine.open(
        url,
        clock=clock,
        random=random.Random(seed) if seed is not None else None,
        config=EngineConfig(auto_migrate=True, **config),
    )


@pytest.fixture
def engine(database_url: str, clock: ManualClock) -> Iterator[Engine]:
    eng = open_engine(database_url, clock)
    eng.create_tenant("acme", "Acme Shop")
    eng.create_tenant("globex", "Globex Corp")
    yield eng
    eng.close()
