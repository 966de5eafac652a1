"""``voucher-engine load FILE``: load a declarative TOML fixture file (docs/fixtures.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from voucher_engine import fixtures
from voucher_engine.cli.common import current_config, database_url, open_engine, progress_bar, shown, url_option
from voucher_engine.engine import Engine

#: Below this many codes a progress bar would only flicker.
PROGRESS_FROM = 10_000


@click.command("load")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@url_option
def load(file: Path, url: str | None) -> int:
    """Load a TOML fixture file (idempotent); secrets it creates are shown once."""
    url = database_url(url)
    with open_engine(url) as engine:
        current_config(url=url).apply(engine)  # the webhook guard for the file's endpoints
        summary = load_file(engine, file)
    click.echo(f"loaded {file} into {shown(url)}")
    for line in summary.lines():
        click.echo(f"  {line}")
    print_secrets(summary)
    return 0


def print_secrets(summary: fixtures.LoadSummary) -> None:
    if not summary.secrets:
        return
    click.echo("secrets created by this load (shown once: they are kept only as hashes):")
    for secret in summary.secrets:
        click.echo(f"  {secret.line()}")


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


COMMANDS = [load]
