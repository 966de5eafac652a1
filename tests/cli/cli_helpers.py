"""Helpers for CLI tests: the real command in a subprocess, against real databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table

from voucher_engine import Engine, EngineConfig
from voucher_engine.cli import main

ROOT = Path(__file__).resolve().parents[2]


def cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run ``voucher-engine ARGS`` as a real process; return its exit status and output."""
    environment = {k: v for k, v in os.environ.items() if k != "VOUCHER_ENGINE_URL"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "voucher_engine.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=timeout,
        check=False,
    )


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def row_counts(url: str) -> dict[str, int]:
    """Rows in every table of the database (whatever tables the migrations made)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one() for name in names}
    finally:
        engine.dispose()


def migrated(url: str) -> str:
    """Migrate a fresh database with ``voucher-engine db upgrade`` (in-process: the command
    itself is tested as a process in test_db.py); return its URL."""
    assert main(["db", "upgrade", "--url", url]) == 0
    return url


def open_engine(url: str) -> Engine:
    return Engine.open(url, config=EngineConfig(auto_migrate=True))
