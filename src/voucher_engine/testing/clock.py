"""A test's clock, shared with the server processes the kit starts.

``SharedClock`` is a ``ManualClock`` that also writes its time to a file whenever it moves;
a server started by the kit with that clock opens its engine on a ``FileClock`` reading the
same file. So ``clock.advance(timedelta(hours=1))`` in the test moves the server's time too,
and a test never sleeps for time to pass. Only the kit's own server factory reads the file
(``$VOUCHER_ENGINE_TESTING_CLOCK_FILE``): a production server has no such back door.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from voucher_engine.clock import ManualClock

CLOCK_FILE_VARIABLE = "VOUCHER_ENGINE_TESTING_CLOCK_FILE"


def near_now() -> datetime:
    """The real time to the second: a start that tools checking timestamps against the wall
    clock (``standardwebhooks`` allows five minutes) still accept."""
    return datetime.now(UTC).replace(microsecond=0)


class SharedClock(ManualClock):
    """A ManualClock whose every move is also written to ``path`` (atomically)."""

    def __init__(self, path: Path, start: datetime | None = None) -> None:
        super().__init__(start or near_now())
        self.path = Path(path)
        self._write(self.now())

    def advance(self, delta: timedelta | float) -> datetime:
        with self._lock:  # move and write as one step, so the file never lags another mover
            self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
            self._write(self._now)
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = instant
            self._write(instant)

    def _write(self, instant: datetime) -> None:
        scratch = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        scratch.write_text(instant.isoformat())
        os.replace(scratch, self.path)  # a reader sees the old time or the new, never half


class FileClock:
    """The server side: the time is whatever the file says, read on every call."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def now(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text())
