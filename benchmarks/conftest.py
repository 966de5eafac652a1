"""Fixtures of the benchmarks: one fresh, migrated database per module and backend, with an
engine opened on it as a host opens one (helpers live in ``benchsupport``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bare import Statements, statements_for
from benchsupport import BACKENDS, fresh_database, open_engine, seed_tenant
from voucher_engine import Engine


@dataclass
class World:
    backend: str
    url: str
    engine: Engine
    statements: Statements


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory) -> Iterator[World]:
    backend = request.param
    for url in fresh_database(backend, tmp_path_factory.mktemp(backend)):
        engine = open_engine(url)
        seed_tenant(engine)
        try:
            yield World(backend, url, engine, statements_for(url))
        finally:
            engine.close()
