"""The kit's pytest fixtures (registered by the ``pytest11`` entry point; names prefixed
``ve_`` so they never collide with a project's own)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from voucher_engine.testing.clock import SharedClock
from voucher_engine.testing.databases import BACKENDS, drop_templates, fresh_database_url
from voucher_engine.testing.partners import PartnerSigner
from voucher_engine.testing.server import Server, start_server
from voucher_engine.testing.webhooks import WebhookReceiver

_FROM_FIXTURE = object()  # a ``ve_server`` option not given: the fixture's value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: needs the PostgreSQL server")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_templates()


@pytest.fixture
def ve_clock(tmp_path: Path) -> SharedClock:
    """A ``ManualClock`` starting at the real time (to the second) that moves only when told
    to; the engine of ``ve_engine`` and every ``ve_server`` follow it."""
    return SharedClock(tmp_path / "ve-clock")


@pytest.fixture(
    params=[pytest.param(b, marks=[getattr(pytest.mark, b)] if b == "postgresql" else []) for b in BACKENDS]
)
def ve_backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" then "postgresql"; ``@pytest.mark.parametrize("ve_backend", ["sqlite"])``
    narrows a test to one."""
    backend: str = request.param
    return backend


@pytest.fixture
def ve_database_url(ve_backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of ``ve_backend``, migrated, dropped after the test. PostgreSQL from
    ``$VOUCHER_ENGINE_TEST_PG_URL``; unreachable, it skips loudly (fails under CI=true)."""
    yield from fresh_database_url(ve_backend, tmp_path, migrated=True)


@pytest.fixture
def ve_plugins() -> Sequence[str | ModuleType] | None:
    """The plugins ``ve_engine`` and ``ve_server`` load: None loads the installed entry
    points; override this fixture with a list of modules to load only those."""
    return None


@pytest.fixture
def ve_engine(
    ve_database_url: str, ve_clock: SharedClock, ve_plugins: Sequence[str | ModuleType] | None
) -> Iterator[Any]:
    """An ``Engine`` on ``ve_database_url`` with ``ve_clock`` and ``ve_plugins``."""
    import importlib

    from voucher_engine import Engine
    from voucher_engine.plugins import PluginSettings

    settings = (
        PluginSettings()
        if ve_plugins is None
        else PluginSettings(
            load_entry_points=False,
            extra=tuple(importlib.import_module(p) if isinstance(p, str) else p for p in ve_plugins),
        )
    )
    engine = Engine.open(ve_database_url, clock=ve_clock, plugins=settings)
    yield engine
    engine.close()


@pytest.fixture
def ve_server(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    ve_clock: SharedClock,
    ve_plugins: Sequence[str | ModuleType] | None,
) -> Iterator[Callable[..., Server]]:
    """``ve_server(database_url=None, *, plugins=ve_plugins, mounts=None, clock=ve_clock,
    worker=False, **options) -> Server``: a real uvicorn process on a free loopback port,
    healthy when returned (``.url``, ``.request(...)``, ``.log()``, ``.stop()``); stopped
    after the test. ``database_url`` defaults to ``ve_database_url`` (the test must request
    it, or ``ve_engine``, so that it is parametrized by backend); ``clock=None`` gives
    the server the real clock. Other options: see ``voucher_engine.testing.start_server``."""
    servers: list[Server] = []

    def start(
        database_url: str | None = None, *, plugins: Any = _FROM_FIXTURE, clock: Any = _FROM_FIXTURE, **options: Any
    ) -> Server:
        if database_url is None and "ve_database_url" not in request.fixturenames:
            raise TypeError(
                "ve_server() serves ve_database_url: request it (or ve_engine) in the test, or pass a database URL"
            )
        url = database_url if database_url is not None else request.getfixturevalue("ve_database_url")
        server = start_server(
            url,
            plugins=ve_plugins if plugins is _FROM_FIXTURE else plugins,
            clock=ve_clock if clock is _FROM_FIXTURE else clock,
            workdir=tmp_path / "ve-servers",
            **options,
        )
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def ve_client(ve_engine: Any) -> Iterator[Callable[..., Any]]:
    """``ve_client(mounts=None) -> litestar.testing.TestClient``: the app on ``ve_engine`` in
    the test's own process, with ``ve_engine``'s plugins (fast; no socket, no second
    process). Closed after the test."""
    from voucher_engine.testing.inprocess import open_client

    clients: list[Any] = []

    def make(mounts: Any = None) -> Any:
        clients.append(open_client(ve_engine, mounts))
        return clients[-1]

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def ve_partner_signer(ve_clock: SharedClock) -> Callable[..., PartnerSigner]:
    """``ve_partner_signer(partner, key, *, tenant=None, algorithm="HS256",
    lifetime=timedelta(minutes=5)) -> PartnerSigner`` whose tokens are issued at ``ve_clock``'s
    time; ``.sign(**claims)`` makes one."""

    def make(
        partner: str,
        key: str,
        *,
        tenant: str | None = None,
        algorithm: str = "HS256",
        lifetime: timedelta = timedelta(minutes=5),
    ) -> PartnerSigner:
        return PartnerSigner(ve_clock, partner, key, tenant=tenant, algorithm=algorithm, lifetime=lifetime)

    return make


@pytest.fixture
def ve_webhook_receiver(ve_clock: SharedClock) -> Iterator[WebhookReceiver]:
    """A webhook receiver listening on loopback (``.url``; deliver to it with
    ``voucher_engine.testing.LOOPBACK`` settings); ``.verify(secret)`` checks every webhook
    received with ``standardwebhooks`` against ``ve_clock`` and returns the payloads."""
    with WebhookReceiver(clock=ve_clock) as receiver:
        yield receiver
