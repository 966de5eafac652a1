"""Retry timing: exponential steps with full jitter (a uniform draw between zero and the step),
so receivers coming back after an outage are not hit by every worker at the same instant."""

from __future__ import annotations

from datetime import timedelta

from voucher_engine.clock import RandomSource


def retry_delay(schedule: tuple[timedelta, ...], failures: int, random: RandomSource) -> timedelta | None:
    """The wait after the ``failures``-th consecutive failure, or ``None`` when the schedule is
    used up and the work is to be given up."""
    if failures < 1 or failures > len(schedule):
        return None
    return schedule[failures - 1] * random.random()
