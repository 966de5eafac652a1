"""Shared fixtures: real SQLite files and a real, fresh PostgreSQL database per test (the
helpers are the test kit's, ``voucher_engine.testing``, re-exported by ``dbsupport``; the kit's
``ve_*`` fixtures are there too, through its pytest11 entry point, which also drops the
session's template databases at the end)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dbsupport import BACKENDS, CHEAP_ARGON2, fresh_database_url, open_engine
from roundtrips import RoundTripCounter
from voucher_engine import Engine, ManualClock

# Every server process the tests start (the kit's and ``voucher-engine serve``) reads its
# configuration from this environment, so it hashes at the cheapest cost too (``[argon2]``,
# docs/configuration.md): the tests check behaviour, not cost.
os.environ.setdefault("VOUCHER_ENGINE_ARGON2_TIME_COST", str(CHEAP_ARGON2.time_cost))
os.environ.setdefault("VOUCHER_ENGINE_ARGON2_MEMORY_COST_KIB", str(CHEAP_ARGON2.memory_cost_kib))
os.environ.setdefault("VOUCHER_ENGINE_ARGON2_PARALLELISM", str(CHEAP_ARGON2.parallelism))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Test files holding a ``slow`` test run first: under pytest-xdist (``make test``) a
    file is one unit of work, and a long one handed out last would finish alone."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: the order within stays


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(request, backend: str, tmp_path) -> Iterator[str]:
    """A fresh database: empty, or already migrated when the test also uses ``engine`` (which
    opens on this same database), copied from a session template to save a migration."""
    yield from fresh_database_url(backend, tmp_path, migrated="engine" in request.fixturenames)


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    yield from fresh_database_url("sqlite", tmp_path)


@pytest.fixture
def pg_url(tmp_path) -> Iterator[str]:
    yield from fresh_database_url("postgresql", tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def engine(database_url: str, clock: ManualClock) -> Iterator[Engine]:
    eng = open_engine(database_url, clock)
    eng.create_tenant("acme", "Acme Shop")
    eng.create_tenant("globex", "Globex Corp")
    yield eng
    eng.close()


@pytest.fixture
def round_trips(tmp_path: Path) -> Iterator[RoundTripCounter]:
    """A fresh, migrated PostgreSQL database behind a relay that counts round trips on the wire:
    open the engine on ``round_trips.url``, count with ``with round_trips.counting() as n:``."""
    for url in fresh_database_url("postgresql", tmp_path, migrated=True):
        relay = RoundTripCounter(url)
        try:
            yield relay
        finally:
            relay.close()
