"""Time, ids and randomness: injected, so tests drive them instead of waiting for them."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, time-zone aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to; safe to share between threads."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2030, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        with self._lock:
            self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = instant


T = TypeVar("T")


class RandomSource(Protocol):
    """What the engine draws from: codes, ids, salts. ``secrets.SystemRandom()`` by default."""

    def choice(self, seq: Sequence[T], /) -> T: ...
    def random(self) -> float: ...
    def getrandbits(self, k: int, /) -> int: ...
    def randbytes(self, n: int, /) -> bytes: ...


def system_random() -> RandomSource:
    return secrets.SystemRandom()


_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_DIGIT_PAIRS = [high + low for high in _CROCKFORD for low in _CROCKFORD]  # by their 10 bits
_PAIR_SHIFTS = tuple(range(120, -1, -10))


class IdSource(Protocol):
    def new(self, prefix: str) -> str: ...


class TimeOrderedIds:
    """ULID-style ids: 48 bits of milliseconds then 80 random bits, so ids sort by creation
    and new rows land at the end of B-tree indexes instead of splitting pages at random."""

    def __init__(self, clock: Clock, random: RandomSource) -> None:
        self._clock = clock
        self._random = random

    def new(self, prefix: str) -> str:
        ms = int(self._clock.now().timestamp() * 1000) & (2**48 - 1)
        value = (ms << 80) | self._random.getrandbits(80)
        # The 128 bits as 26 base-32 digits, most significant first (the first from the top
        # two bits of 130, always zero), two digits at a time: 0.7 us where a digit at a time
        # cost 2.2.
        return f"{prefix}_{''.join([_DIGIT_PAIRS[(value >> shift) & 1023] for shift in _PAIR_SHIFTS])}"
