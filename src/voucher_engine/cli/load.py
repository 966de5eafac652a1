"""``voucher-engine load FILE``: load a declarative TOML fixture file (docs/fixtures.md)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from voucher_engine import fixtures
from voucher_engine.cli.common import database_url, open_engine, progress_bar, shown
from voucher_engine.engine import Engine

#: Below this many codes a progress bar would only flicker.
PROGRESS_FROM = 10_000


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], url_after: argparse.ArgumentParser) -> None:
    load = commands.add_parser("load", parents=[url_after], help="load a TOML fixture file (idempotent)")
    load.add_argument("file", type=Path, help="the fixture file (see docs/fixtures.md)")
    load.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    url = database_url(args)
    with open_engine(url) as engine:
        summary = load_file(engine, args.file)
    print(f"loaded {args.file} into {shown(url)}")
    for line in summary.lines():
        print(f"  {line}")
    return 0


def load_file(engine: Engine, path: Path) -> fixtures.LoadSummary:
    """Check the whole file first (raises ``FixtureError``, nothing written), then write it."""
    plan = fixtures.read_fixtures(path, engine)
    return fixtures.apply(engine, plan, progress=show_progress)


def show_progress(label: str, total: int) -> Callable[[int], None] | None:
    if total < PROGRESS_FROM:
        return None
    bar = progress_bar(label, total)

    def advance(n: int) -> None:
        bar.advance(n)
        if bar.done >= total:
            bar.finish()

    return advance
