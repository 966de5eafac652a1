"""Memory and scale: 100,000 and 1,000,000 codes imported (streamed) and generated into a
pool, each run in its own process; codes per second and the process's peak resident memory.
On PostgreSQL the same codes are also COPYed by the bare driver (``copy``), the ceiling the
engine's import (COPY too) is held against.

Memory must stay flat as the count grows tenfold (the import streams in batches of 20,000): the
report shows peak RSS at 1M divided by peak RSS at 100k. Target: 1M codes import at 100,000
codes/s or faster on PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchsupport import TENANT, record

SCRIPT = Path(__file__).with_name("scale_run.py")
FULL_COUNTS = [100_000, 1_000_000]
SMOKE_COUNTS = [2_000, 20_000]


def run_in_process(url: str, pool: str, mode: str, count: int) -> dict:
    """Run ``scale_run.py``: its figures, peak RSS (its own ``VmHWM``) included."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), url, TENANT, pool, mode, str(count)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert (figures["added"], figures["skipped"], figures["size"]) == (count, 0, count)
    return {
        "codes": count,
        "seconds": figures["seconds"],
        "codes_per_s": count / figures["seconds"],
        "peak_rss_mb": figures["peak_rss_kb"] / 1024,
    }


# The bare COPY is PostgreSQL's yardstick for the import, so it runs there only.
@pytest.mark.parametrize(
    ("world", "mode"),
    [
        ("sqlite", "import"),
        ("sqlite", "generate"),
        ("postgresql", "import"),
        ("postgresql", "generate"),
        ("postgresql", "copy"),
    ],
    indirect=["world"],
)
def test_fill_pool(benchmark, world, mode: str) -> None:
    counts = SMOKE_COUNTS if benchmark.disabled else FULL_COUNTS
    benchmark.group = f"scale {world.backend} {mode}"
    record(benchmark, backend=world.backend, impl="engine", operation=f"scale_{mode}", workers=1, ops=counts[-1])
    runs: list[dict] = []

    def fill_all() -> None:
        for count in counts:
            runs.append(run_in_process(world.url, f"scale-{mode}-{count}", mode, count))

    benchmark.pedantic(fill_all, rounds=1)
    benchmark.extra_info["runs"] = runs
    assert [r["codes"] for r in runs] == counts
