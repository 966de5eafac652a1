"""Progress of long CLI jobs (importing, generating, exporting codes), drawn by rich.

It writes to stderr so that an export to stdout stays clean. On a terminal rich redraws one
line in place; into a pipe or a log file a plain line is written every few seconds instead
(and once at the end), so a CI log is neither flooded nor silent. Only counters are kept, so
memory stays flat however many codes go by.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

#: Seconds between two lines written into a log (not a terminal).
LOG_EVERY_S = 5.0


class CountColumn(ProgressColumn):
    """``6,250/10,000`` (or ``6,250`` when the total is unknown)."""

    def render(self, task: Task) -> Text:
        done = f"{int(task.completed):,}"
        return Text(f"{done}/{int(task.total):,}" if task.total is not None else done)


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed or 0:,.0f}/s")


class ProgressBar:
    """Counts units done; shows the count, the rate and, when the total is known, the time left.

    ``advance`` is cheap when nothing needs redrawing, so it may be called per batch or per item.
    """

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        console: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console if console is not None else Console(stderr=True)
        self.clock = clock
        self.done = 0
        self.interactive = self.console.is_terminal
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            CountColumn(),
            TaskProgressColumn(),
            RateColumn(),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=self.console,
            get_time=clock,
            auto_refresh=self.interactive,
        )
        self._task = self._progress.add_task(label, total=total)
        self._logged_at = clock()
        self._progress.start()

    def advance(self, n: int) -> None:
        self.done += n
        self._progress.advance(self._task, n)
        if not self.interactive and self.clock() - self._logged_at >= LOG_EVERY_S:
            self._logged_at = self.clock()
            self.console.print(self._progress.make_tasks_table(self._progress.tasks))

    def finish(self) -> None:
        """Draw the final state and end the line."""
        task = self._progress.tasks[0]
        if task.total is None:
            self._progress.update(self._task, total=self.done)
        self._progress.stop()
