"""The progress bar, driven by a fake clock (no waiting)."""

from __future__ import annotations

import io

from voucher_engine.progress import ProgressBar


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_known_total_shows_count_rate_and_eta() -> None:
    clock, out = FakeClock(), io.StringIO()
    bar = ProgressBar("import p", 10_000, stream=out, clock=clock, interactive=False)
    clock.now += 2
    bar.advance(2_500)
    assert out.getvalue() == "import p [######..................] 2,500/10,000  25.0% 1,250/s ETA 0:00:06\n"
    clock.now += 6
    bar.advance(7_500)
    bar.finish()
    assert out.getvalue().splitlines()[-1] == "import p [########################] 10,000/10,000 100.0% 1,250/s in 0:00:08"


def test_unknown_total_counts_without_eta() -> None:
    clock, out = FakeClock(), io.StringIO()
    bar = ProgressBar("export", None, stream=out, clock=clock, interactive=False)
    clock.now += 4
    bar.advance(400)
    assert out.getvalue() == "export 400 100/s in 0:00:04\n"


def test_a_log_gets_a_line_every_few_seconds_a_terminal_redraws_in_place() -> None:
    clock, log = FakeClock(), io.StringIO()
    bar = ProgressBar("gen", 1_000_000, stream=log, clock=clock, interactive=False)
    for _ in range(100):
        clock.now += 0.1
        bar.advance(1_000)
    assert len(log.getvalue().splitlines()) == 2  # at 0.1 s and at 5.1 s: not 100 lines

    clock, tty = FakeClock(), io.StringIO()
    bar = ProgressBar("gen", 1_000, stream=tty, clock=clock, interactive=True)
    bar.advance(10)
    bar.finish()
    assert tty.getvalue().count("\r\x1b[K") == 2 and tty.getvalue().endswith("\n")
    assert "\n" not in tty.getvalue()[:-1]
