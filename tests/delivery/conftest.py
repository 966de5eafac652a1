from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from webhook_receiver import LOOPBACK, Receiver  # noqa: F401 - re-exported for fixtures

from voucher_engine import ManualClock

#: The tests' receivers listen on loopback, which the SSRF guard refuses unless allowed.


@pytest.fixture
def clock() -> ManualClock:
    # Near the real time: standardwebhooks refuses a webhook-timestamp 5 minutes off its clock.
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r
