"""The progress bar (rich), driven by a fake clock (no waiting): counts, rate and time left on
a terminal; a line every few seconds, not per batch, in a log."""

from __future__ import annotations

import io

from rich.console import Console

from voucher_engine.progress import LOG_EVERY_S, ProgressBar


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_final_line_shows_the_count_the_share_and_the_rate() -> None:
    clock, out = FakeClock(), io.StringIO()
    bar = ProgressBar("import p", 10_000, console=Console(file=out, width=120), clock=clock)
    clock.now += 2
    bar.advance(2_500)
    clock.now += 6
    bar.advance(7_500)
    bar.finish()
    last = out.getvalue().splitlines()[-1]
    assert last.startswith("import p ") and "10,000/10,000" in last and "100%" in last
    assert "1,250/s" in last  # 10,000 in 8 s
    assert bar.done == 10_000


def test_an_unknown_total_counts_up() -> None:
    clock, out = FakeClock(), io.StringIO()
    bar = ProgressBar("export", None, console=Console(file=out, width=120), clock=clock)
    clock.now += 4
    bar.advance(400)
    bar.finish()
    assert "400/400" in out.getvalue().splitlines()[-1]


def test_a_log_gets_a_line_every_few_seconds_not_one_per_batch() -> None:
    clock, log = FakeClock(), io.StringIO()
    bar = ProgressBar("gen", 1_000_000, console=Console(file=log, width=120), clock=clock)
    steps = int(LOG_EVERY_S / 0.1) * 2 + 5  # ten and a half seconds of batches, one every 0.1 s
    for _ in range(steps):
        clock.now += 0.1
        bar.advance(1_000)
    lines = log.getvalue().splitlines()
    assert len(lines) == 2  # at 5 s and at 10 s: not 105 lines
    assert "0:00:05" in lines[0] and "0:00:10" in lines[1]
    bar.finish()
    assert "105,000/1,000,000" in log.getvalue().splitlines()[-1]


def test_a_terminal_redraws_in_place() -> None:
    clock, tty = FakeClock(), io.StringIO()
    bar = ProgressBar("gen", 1_000, console=Console(file=tty, width=120, force_terminal=True), clock=clock)
    bar.advance(10)
    bar.finish()
    assert "\x1b[" in tty.getvalue()  # cursor control: the line is redrawn, not repeated
    assert "1,000" in tty.getvalue() or "10/1,000" in tty.getvalue()
