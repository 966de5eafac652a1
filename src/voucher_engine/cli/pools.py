"""``voucher-engine pool create | import | generate | export``: code pools from the shell.

Import and export stream: the CSV is read row by row and handed to the engine in batches,
and an export walks the pool page by page, so memory stays flat however many codes there are.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from voucher_engine.cli.common import database_url, open_engine, progress_bar, url_option
from voucher_engine.codes_io import count_codes, read_codes, write_codes
from voucher_engine.domain.codes import UNAMBIGUOUS, CodeFormat

F = TypeVar("F", bound=Callable[..., Any])
PATTERN_HELP = "code pattern: # a digit, X a charset character, e.g. 'BET-XXX-######'"


@click.group("pool")
def pool() -> None:
    """Create, fill and export code pools."""


def tenant_and_pool(command: F) -> F:
    command = click.argument("pool_id", metavar="POOL")(command)
    command = click.argument("tenant")(command)
    return url_option(command)


def _format(pattern: str | None, charset: str | None) -> CodeFormat | None:
    if pattern is None:
        if charset is not None:
            raise click.UsageError("--charset needs --pattern")
        return None
    return CodeFormat(pattern, charset) if charset else CodeFormat(pattern)


@pool.command("create")
@tenant_and_pool
@click.option("--name")
@click.option("--pattern", help=PATTERN_HELP)
@click.option("--charset", help=f"characters for X (default {UNAMBIGUOUS})")
@click.option("--low-stock", type=click.IntRange(min=0), metavar="N", help="emit pool.low_stock when N codes remain")
def create(
    *,
    tenant: str,
    pool_id: str,
    url: str | None,
    name: str | None,
    pattern: str | None,
    charset: str | None,
    low_stock: int | None,
) -> int:
    """Create a pool (nothing changes if it exists)."""
    code_format = _format(pattern, charset)
    with open_engine(database_url(url)) as engine:
        created = engine.create_pool(tenant, pool_id, name=name, code_format=code_format, low_stock_threshold=low_stock)
    click.echo(f"pool {tenant}/{pool_id} {'created' if created else 'already exists, unchanged'}")
    return 0


@pool.command("import")
@tenant_and_pool
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--column", default="code", show_default=True, help="the header column holding the codes")
@click.option("--no-header", is_flag=True, help="the file has no header: codes are in column 1")
def import_codes(*, tenant: str, pool_id: str, url: str | None, file: Path, column: str, no_header: bool) -> int:
    """Add the codes of a CSV file (codes already in the pool are skipped)."""
    chosen = None if no_header else column
    # A first pass checks every line and counts them: a bad line stops the import before the
    # first code is written, and the progress bar gets a total (and so an ETA).
    total = count_codes(file, column=chosen)
    with open_engine(database_url(url)) as engine:
        engine.pool_status(tenant, pool_id)
        bar = progress_bar(f"import {pool_id}", total)
        result = engine.add_codes(tenant, pool_id, read_codes(file, column=chosen), progress=bar.advance)
        bar.finish()
        size = engine.pool_status(tenant, pool_id).size
    click.echo(
        f"imported {result.added} codes into {tenant}/{pool_id} "
        f"({result.skipped} already present); the pool holds {size}"
    )
    return 0


@pool.command("generate")
@tenant_and_pool
@click.option("--count", type=click.IntRange(min=0), required=True, metavar="N", help="how many codes to add")
@click.option("--pattern", help="draw from this pattern instead of the pool's own")
@click.option("--charset")
def generate(
    *, tenant: str, pool_id: str, url: str | None, count: int, pattern: str | None, charset: str | None
) -> int:
    """Add N new random codes drawn from the pool's pattern."""
    code_format = _format(pattern, charset)
    with open_engine(database_url(url)) as engine:
        engine.pool_status(tenant, pool_id)
        bar = progress_bar(f"generate {pool_id}", count)
        result = engine.generate_codes(tenant, pool_id, count, code_format=code_format, progress=bar.advance)
        bar.finish()
        size = engine.pool_status(tenant, pool_id).size
    click.echo(f"generated {result.added} codes into {tenant}/{pool_id}; the pool holds {size}")
    return 0


@pool.command("export")
@tenant_and_pool
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="the file to write (default: standard output)",
)
def export(tenant: str, pool_id: str, url: str | None, output: Path | None) -> int:
    """Write every code of the pool as CSV (seq,code,issued_at,reference)."""
    with open_engine(database_url(url)) as engine:
        total = engine.pool_status(tenant, pool_id).size
        bar = progress_bar(f"export {pool_id}", total)
        codes = engine.export_codes(tenant, pool_id)
        if output is None:
            written = write_codes(codes, sys.stdout, progress=bar.advance)
            sys.stdout.flush()
        else:
            with output.open("w", newline="", encoding="utf-8") as out:
                written = write_codes(codes, out, progress=bar.advance)
        bar.finish()
    where = "standard output" if output is None else output
    click.echo(f"exported {written} codes of {tenant}/{pool_id} to {where}", err=True)
    return 0


COMMANDS = [pool]
