"""Fixtures of the Jackpot provider's tests (helpers live in ``jackpot_support``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dbsupport import fresh_database_url
from jackpot_support import Receiver, Uvicorn, near_now, open_jackpot_engine, set_up_tenant
from litestar.testing import TestClient

from voucher_engine import Engine, ManualClock
from voucher_engine_litestar import create_app


@pytest.fixture
def jackpot_clock() -> ManualClock:
    return ManualClock(near_now())


@pytest.fixture
def jackpot_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of each backend, already migrated (copied from a session template)."""
    yield from fresh_database_url(backend, tmp_path, migrated=True)


@pytest.fixture
def jackpot_engine(jackpot_url: str, jackpot_clock: ManualClock) -> Iterator[Engine]:
    engine = open_jackpot_engine(jackpot_url, jackpot_clock)
    set_up_tenant(engine, "acme")
    yield engine
    engine.close()


@pytest.fixture
def client(jackpot_engine: Engine) -> Iterator[TestClient]:
    """The app as a drop-in for Jackpot's host: the provider mounted at "/"."""
    with TestClient(create_app(jackpot_engine, mounts={"jackpot": "/"})) as test_client:
        yield test_client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator:
    servers: list[Uvicorn] = []

    def start(url: str) -> Uvicorn:
        server = Uvicorn(url, tmp_path / f"server-{len(servers)}.log")
        servers.append(server)
        server.wait_until_serving()
        return server

    yield start
    for server in servers:
        server.stop()
