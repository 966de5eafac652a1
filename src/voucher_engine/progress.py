"""A small progress bar for long CLI jobs (importing, generating, exporting codes).

Standard library only. It writes to stderr so that an export to stdout stays clean. On a
terminal it redraws one line in place; into a pipe or a log file it writes a plain line now
and then instead, so a CI log is not flooded with carriage returns.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 24


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


class ProgressBar:
    """Counts units done; shows the count, the rate and, when the total is known, the ETA.

    ``advance`` is cheap when nothing needs redrawing, so it may be called per batch or per item.
    """

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        interactive: bool | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.interactive = self.stream.isatty() if interactive is None else interactive
        # A terminal redraws often enough to look alive; a log gets a line every few seconds.
        self.every = 0.1 if self.interactive else 5.0
        self.started = clock()
        self._drawn_at: float | None = None

    def advance(self, n: int) -> None:
        self.done += n
        now = self.clock()
        if self._drawn_at is None or now - self._drawn_at >= self.every:
            self._draw(now)

    def finish(self) -> None:
        """Draw the final state and end the line."""
        self._draw(self.clock(), final=True)

    def line(self, now: float | None = None) -> str:
        now = self.clock() if now is None else now
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        parts = [self.label]
        if self.total:
            fraction = min(self.done / self.total, 1.0)
            filled = int(fraction * BAR_WIDTH)
            parts.append("[" + "#" * filled + "." * (BAR_WIDTH - filled) + "]")
            parts.append(f"{self.done:,}/{self.total:,} {fraction:6.1%}")
        else:
            parts.append(f"{self.done:,}")
        parts.append(f"{rate:,.0f}/s")
        if self.total and rate > 0 and self.done < self.total:
            parts.append(f"ETA {_duration((self.total - self.done) / rate)}")
        else:
            parts.append(f"in {_duration(elapsed)}")
        return " ".join(parts)

    def _draw(self, now: float, final: bool = False) -> None:
        self._drawn_at = now
        text = self.line(now)
        if self.interactive:
            self.stream.write("\r\x1b[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
