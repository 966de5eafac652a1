"""Fixtures of the Jackpot provider's tests (helpers live in ``jackpot_support``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from jackpot_support import open_jackpot_engine, set_up_tenant
from litestar.testing import TestClient

import voucher_engine_jackpot
from dbsupport import fresh_database_url
from voucher_engine import Engine, ManualClock
from voucher_engine.testing import WebhookReceiver
from voucher_engine_litestar import create_app


@pytest.fixture
def jackpot_clock(ve_clock) -> ManualClock:
    """The test kit's clock: near the real time (standardwebhooks refuses a webhook-timestamp
    five minutes off its own clock), and followed by the servers the kit starts."""
    return ve_clock


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
def receiver(ve_webhook_receiver: WebhookReceiver) -> WebhookReceiver:
    """The partner's notification URL: the test kit's loopback receiver."""
    return ve_webhook_receiver


@pytest.fixture
def start_server(ve_server, jackpot_clock):
    """A real server process (the test kit's) serving the provider at "/" (as Jackpot's own
    host), on the test's clock, without the in-process worker (the test drives delivery)."""

    def start(url: str):
        return ve_server(url, plugins=[voucher_engine_jackpot], mounts={"jackpot": "/"}, clock=jackpot_clock)

    return start
