"""A pool import streams: peak memory of a 200,000-code import stays where a 20,000-code
import's is, and the export round-trips exactly.

Checked against a variant that reads the whole file into a list first
(``engine.add_codes(..., list(read_codes(path)))``): its peak grew by about 16 MB from 20k to
200k codes, while the streaming command grows by under 1 MB. The bound below sits between.

SQLite only: the point is the CLI's streaming, which does not depend on the backend, and the
PostgreSQL round trip of import/generate/export is covered at smaller scale in test_pools.py.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import open_engine

FLAT_BOUND_KB = 8 * 1024

#: Runs the command as its only child and prints that child's peak RSS (ru_maxrss of the
#: children covers every child ever waited for, so each measurement gets a fresh parent).
MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(done.stderr)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_kb(*args: str) -> int:
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "voucher_engine.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    status, peak = result.stdout.split()
    assert status == "0", result.stderr
    return int(peak)


def codes_file(path: Path, n: int) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["code"])
        writer.writerows([f"SCALE-{i:09d}-{(i * 7919) % 10007:05d}"] for i in range(n))
    return path


@pytest.mark.slow
def test_importing_200k_codes_takes_no_more_memory_than_20k(tmp_path: Path) -> None:
    peaks = {}
    for n in (20_000, 200_000):
        url = f"sqlite:///{tmp_path / f'{n}.sqlite3'}"
        with open_engine(url) as engine:
            engine.create_tenant("t")
            engine.create_pool("t", "p")
        peaks[n] = peak_rss_kb("pool", "import", "t", "p", str(codes_file(tmp_path / f"{n}.csv", n)), "--url", url)
    assert peaks[200_000] - peaks[20_000] < FLAT_BOUND_KB, peaks

    out = tmp_path / "export.csv"
    export_peak = peak_rss_kb("pool", "export", "t", "p", "-o", str(out), "--url", url)
    assert export_peak - peaks[20_000] < FLAT_BOUND_KB
    with out.open(newline="") as f, (tmp_path / "200000.csv").open(newline="") as source:
        exported = [row["code"] for row in csv.DictReader(f)]
        imported = [row["code"] for row in csv.DictReader(source)]
    assert exported == imported  # same codes, same order, none lost or doubled
