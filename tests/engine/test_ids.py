"""``TimeOrderedIds``: 48 bits of milliseconds and 80 random bits as 26 Crockford base-32
digits, most significant first, so ids sort by creation. Checked against the definition,
a digit at a time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from voucher_engine.clock import ManualClock, TimeOrderedIds

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def by_definition(ms: int, randomness: int) -> str:
    value = (ms << 80) | randomness
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


class Drawn(random.Random):
    """Randomness that remembers what it gave."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.drawn: list[int] = []

    def getrandbits(self, k: int) -> int:
        bits = super().getrandbits(k)
        self.drawn.append(bits)
        return bits


def test_ids_are_the_documented_digits() -> None:
    clock = ManualClock(datetime(2026, 11, 30, 15, 59, 24, 123456, tzinfo=UTC))
    drawn = Drawn(7)
    ids = TimeOrderedIds(clock, drawn)
    for step in range(200):
        clock.advance(timedelta(milliseconds=step * 37))
        made = ids.new("evt")
        ms = int(clock.now().timestamp() * 1000)
        assert made == f"evt_{by_definition(ms, drawn.drawn[-1])}"
    # The extremes of both halves.
    drawn.getrandbits = lambda k: 2**80 - 1  # type: ignore[method-assign]
    assert ids.new("x") == f"x_{by_definition(int(clock.now().timestamp() * 1000), 2**80 - 1)}"
    drawn.getrandbits = lambda k: 0  # type: ignore[method-assign]
    assert ids.new("x") == f"x_{by_definition(int(clock.now().timestamp() * 1000), 0)}"


def test_ids_sort_by_creation() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    ids = TimeOrderedIds(clock, random.Random(3))
    made = []
    for _ in range(100):
        made.append(ids.new("vch"))
        clock.advance(timedelta(milliseconds=1))
    assert made == sorted(made)
