"""``voucher-engine pool import`` through the bulk path: its progress redrawn in place on a
terminal, and on PostgreSQL (COPY) memory that does not grow with the file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import open_engine
from test_pool_scale import FLAT_BOUND_KB, codes_file, peak_rss_kb

from voucher_engine.engine.pools import IMPORT_BATCH


def run_on_a_terminal(*args: str) -> tuple[int, str]:
    """Run ``voucher-engine ARGS`` with its stderr on a pseudo-terminal; its status and what
    the terminal received."""
    master, slave = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "voucher_engine.cli", *args], stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    received = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal's last writer
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    process.stdout.read()  # type: ignore[union-attr]
    return process.wait(timeout=120), received.decode()


def test_an_import_on_a_terminal_redraws_its_progress_line(sqlite_url: str, tmp_path: Path) -> None:
    count = IMPORT_BATCH + IMPORT_BATCH // 4  # two batches: a partial line, then the final one
    with open_engine(sqlite_url) as engine:
        engine.create_tenant("t")
        engine.create_pool("t", "p")
    status, terminal = run_on_a_terminal(
        "pool", "import", "t", "p", str(codes_file(tmp_path / "c.csv", count)), "--url", sqlite_url
    )
    assert status == 0, terminal
    # A live bar (rich hides the cursor while it draws), redrawn in place: several states on one
    # terminal line, the last one the whole import.
    drawn = terminal.split("\x1b[?25l", 1)[1].rsplit("\x1b[?25h", 1)[0]
    assert drawn.count("import p") >= 2, terminal
    assert "\n" not in drawn.rstrip("\r\n"), terminal
    last = drawn.rsplit("import p", 1)[1]
    assert f"{count:,}/{count:,}" in last and "100%" in last, terminal
    with open_engine(sqlite_url) as engine:
        assert engine.pool_status("t", "p").size == count


@pytest.mark.postgresql
@pytest.mark.slow
def test_a_copy_import_takes_no_more_memory_for_100k_codes_than_for_20k(pg_url: str, tmp_path: Path) -> None:
    peaks = {}
    with open_engine(pg_url) as engine:
        engine.create_tenant("t")
    for n in (20_000, 100_000):
        with open_engine(pg_url) as engine:
            engine.create_pool("t", f"p{n}")
        peaks[n] = peak_rss_kb(
            "pool", "import", "t", f"p{n}", str(codes_file(tmp_path / f"{n}.csv", n)), "--url", pg_url
        )
        with open_engine(pg_url) as engine:
            assert engine.pool_status("t", f"p{n}").size == n
    assert peaks[100_000] - peaks[20_000] < FLAT_BOUND_KB, peaks
