"""Fixtures of the Spaaza provider's tests (helpers live in ``spaaza_support``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from spaaza_support import (
    OTHER_TENANT,
    SEED_CREATED,
    SEED_KEY,
    TENANT,
    USER_ID,
    add_user,
    issue,
    open_spaaza_engine,
    set_up_chain,
)

from dbsupport import fresh_database_url
from voucher_engine import Engine, ManualClock, Voucher
from voucher_engine_litestar import create_app


@pytest.fixture
def spaaza_clock() -> ManualClock:
    return ManualClock(SEED_CREATED)


@pytest.fixture
def spaaza_url(backend: str, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database_url(backend, tmp_path, migrated=True)


@pytest.fixture
def spaaza_engine(spaaza_url: str, spaaza_clock: ManualClock) -> Iterator[Engine]:
    """Chains 1799 and 1800 (tenants chain-1799, chain-1800), each with campaign 1; user
    4232324 of chain 1799 with a username, a member number and a card."""
    engine = open_spaaza_engine(spaaza_url, spaaza_clock)
    set_up_chain(engine, TENANT)
    set_up_chain(engine, OTHER_TENANT)
    add_user(engine, TENANT, USER_ID, username="jane@example.com", member_number="M-1001", card_number="20000000001")
    add_user(engine, TENANT, USER_ID + 1, username="john@example.com", member_number="M-1002")
    yield engine
    engine.close()


@pytest.fixture
def seed_voucher(spaaza_engine: Engine, spaaza_clock: ManualClock) -> Voucher:
    """The seed's voucher, under the seed's exact key; the clock then one second later."""
    voucher = issue(spaaza_engine, code=SEED_KEY)
    spaaza_clock.advance(1)
    return voucher


@pytest.fixture
def client(spaaza_engine: Engine) -> Iterator[TestClient]:
    """The app as a drop-in for Spaaza's host: the provider mounted at "/"."""
    with TestClient(create_app(spaaza_engine, mounts={"spaaza": "/"})) as test_client:
        yield test_client
