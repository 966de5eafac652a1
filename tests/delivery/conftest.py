from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from voucher_engine import ManualClock
from voucher_engine.testing import WebhookReceiver

# The tests' receivers listen on loopback, which the SSRF guard refuses unless allowed: they
# deliver with the test kit's ``LOOPBACK`` settings.


@pytest.fixture
def clock() -> ManualClock:
    # Near the real time: standardwebhooks refuses a webhook-timestamp 5 minutes off its clock.
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def receiver(clock: ManualClock) -> Iterator[WebhookReceiver]:
    """The test kit's loopback receiver (it records, answers, fails or blocks as told)."""
    with WebhookReceiver(clock=clock) as r:
        yield r
