"""An app in the test's own process (Litestar's ``TestClient``): the fast way to call a
provider when a real socket is not the point. Imported only when a test asks for
``ve_client``, so the core stays free of the web framework otherwise."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from voucher_engine_litestar import create_app


def open_client(engine: Any, mounts: Any = None) -> TestClient[Litestar]:
    """A started client of ``create_app(engine, mounts=mounts)``; close it with ``__exit__``."""
    client = TestClient(create_app(engine, mounts=mounts))
    client.__enter__()
    return client
