"""The Python a hot command runs, counted: the frames one command enters (a profile hook's
``call`` events, generators' resumptions included), after a first command of the same kind has
warmed what it likes.

What the engine spends above the bare driver's SQL is Python spread over many small calls
(docs/benchmarks.md), so a regression there shows as more frames long before a benchmark
notices: a pooled connection checked out for every SQLite write again (about 15 frames), a
generator's context manager back around every transaction or statement (3 to 5 each). The
ceilings sit about a tenth above what the commands enter now (SQLite: a redemption 112, a pop
66); at the start of the sixth session on issue 14 a SQLite redemption entered 190 frames and
a pop 132.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from hot_commands import HotCommands

from voucher_engine import Engine

T = "acme"

CEILINGS = {
    "sqlite": {
        "redeem": 123,
        "redeem single use": 119,
        "hold": 138,
        "capture": 115,
        "pop": 73,
        "issue_for_trigger": 98,
    },
    "postgresql": {
        "redeem": 206,
        "redeem single use": 201,
        "hold": 229,
        "capture": 189,
        "pop": 153,
        "issue_for_trigger": 186,
    },
}


def _frames(operation: Callable[[], object]) -> int:
    entered = 0

    def count(_frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal entered
        if event == "call":
            entered += 1

    sys.setprofile(count)
    try:
        operation()
    finally:
        sys.setprofile(None)
    return entered


def test_the_hot_commands_enter_no_more_python_frames_than_they_did(
    engine: Engine, backend: str, hot_commands: HotCommands
) -> None:
    entered = hot_commands.each_measured(_frames)
    over = {name: (n, CEILINGS[backend][name]) for name, n in entered.items() if n > CEILINGS[backend][name]}
    assert not over, f"frames entered (ceiling): {over}; all: {entered}"
    voucher = engine.get_voucher(T, code=hot_commands.card)  # three holds of 5, two of them captured
    assert (voucher.available, voucher.held) == (10_000 - 2 - 3 * 5, 5)
