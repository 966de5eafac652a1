"""The identity tests' fixture: an ``Identity`` with cheap argon2 on the shared ``engine``."""

from __future__ import annotations

import pytest
from identity_helpers import make_identity

from voucher_engine import Engine
from voucher_engine.identity import Identity


@pytest.fixture
def identity(engine: Engine) -> Identity:
    """An ``Identity`` on the shared ``engine`` fixture (both backends)."""
    return make_identity(engine)
