"""``voucher-engine pool create | import | generate | export``: code pools from the shell.

Import and export stream: the CSV is read row by row and handed to the engine in batches,
and an export walks the pool page by page, so memory stays flat however many codes there are.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from voucher_engine.cli.common import database_url, open_engine, progress_bar
from voucher_engine.codes_io import count_codes, read_codes, write_codes
from voucher_engine.domain.codes import UNAMBIGUOUS, CodeFormat


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], url_after: argparse.ArgumentParser) -> None:
    pool = commands.add_parser("pool", help="create, fill and export code pools")
    actions = pool.add_subparsers(dest="pool_command", required=True, metavar="ACTION")

    def action(name: str, help: str, handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, parents=[url_after], help=help, description=help)
        parser.add_argument("tenant")
        parser.add_argument("pool")
        parser.set_defaults(handler=handler)
        return parser

    create = action("create", "create a pool (nothing changes if it exists)", run_create)
    create.add_argument("--name")
    create.add_argument("--pattern", help="code pattern: # a digit, X a charset character, e.g. 'BET-XXX-######'")
    create.add_argument("--charset", help=f"characters for X (default {UNAMBIGUOUS})")
    create.add_argument("--low-stock", type=int, metavar="N", help="emit pool.low_stock when N codes remain")

    imports = action("import", "add the codes of a CSV file (codes already in the pool are skipped)", run_import)
    imports.add_argument("file", type=Path)
    imports.add_argument("--column", default="code", help="the header column holding the codes (default: code)")
    imports.add_argument("--no-header", action="store_true", help="the file has no header: codes are in column 1")

    generate = action("generate", "add N new random codes drawn from the pool's pattern", run_generate)
    generate.add_argument("--count", type=int, required=True, metavar="N")
    generate.add_argument("--pattern", help="draw from this pattern instead of the pool's own")
    generate.add_argument("--charset")

    export = action("export", "write every code of the pool as CSV (seq,code,issued_at,reference)", run_export)
    export.add_argument("-o", "--output", type=Path, help="the file to write (default: standard output)")


def _format(args: argparse.Namespace) -> CodeFormat | None:
    if args.pattern is None:
        if args.charset is not None:
            sys.exit("error: --charset needs --pattern")
        return None
    return CodeFormat(args.pattern, args.charset) if args.charset else CodeFormat(args.pattern)


def run_create(args: argparse.Namespace) -> int:
    code_format = _format(args)
    with open_engine(database_url(args)) as engine:
        created = engine.create_pool(args.tenant, args.pool, name=args.name, code_format=code_format,
                                     low_stock_threshold=args.low_stock)
    print(f"pool {args.tenant}/{args.pool} {'created' if created else 'already exists, unchanged'}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    column = None if args.no_header else args.column
    # A first pass checks every line and counts them: a bad line stops the import before the
    # first code is written, and the progress bar gets a total (and so an ETA).
    total = count_codes(args.file, column=column)
    with open_engine(database_url(args)) as engine:
        engine.pool_status(args.tenant, args.pool)
        bar = progress_bar(f"import {args.pool}", total)
        result = engine.add_codes(args.tenant, args.pool, read_codes(args.file, column=column), progress=bar.advance)
        bar.finish()
        size = engine.pool_status(args.tenant, args.pool).size
    print(f"imported {result.added} codes into {args.tenant}/{args.pool} "
          f"({result.skipped} already present); the pool holds {size}")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    if args.count < 0:
        sys.exit("error: --count must not be negative")
    code_format = _format(args)
    with open_engine(database_url(args)) as engine:
        engine.pool_status(args.tenant, args.pool)
        bar = progress_bar(f"generate {args.pool}", args.count)
        result = engine.generate_codes(args.tenant, args.pool, args.count, code_format=code_format,
                                       progress=bar.advance)
        bar.finish()
        size = engine.pool_status(args.tenant, args.pool).size
    print(f"generated {result.added} codes into {args.tenant}/{args.pool}; the pool holds {size}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    with open_engine(database_url(args)) as engine:
        total = engine.pool_status(args.tenant, args.pool).size
        bar = progress_bar(f"export {args.pool}", total)
        codes = engine.export_codes(args.tenant, args.pool)
        if args.output is None:
            written = write_codes(codes, sys.stdout, progress=bar.advance)
            sys.stdout.flush()
        else:
            with args.output.open("w", newline="", encoding="utf-8") as out:
                written = write_codes(codes, out, progress=bar.advance)
        bar.finish()
    where = "standard output" if args.output is None else args.output
    print(f"exported {written} codes of {args.tenant}/{args.pool} to {where}", file=sys.stderr)
    return 0
