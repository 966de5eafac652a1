"""The ``voucher-engine`` command: serve, worker, demo, db, load, pool, stats.

Each command lives in its own module and registers its parser here. Engine errors end the
command with one line ``error: <code>: <message>`` and exit status 1, a bad fixture file with
exit status 2; neither prints a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from voucher_engine.cli import clients, db, demo, load, pools, serve, stats, worker
from voucher_engine.cli.common import URL_HELP, fail
from voucher_engine.errors import VoucherEngineError
from voucher_engine.fixtures import FixtureError

COMMANDS = (db, load, pools, stats, clients, serve, worker, demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voucher-engine",
        description="Run, load and inspect a voucher engine database.",
    )
    parser.add_argument("--url", help=URL_HELP)
    # ``--url`` is accepted after the command too (``voucher-engine stats --url ...``);
    # SUPPRESS keeps a subcommand from overwriting a value given before it.
    url_after = argparse.ArgumentParser(add_help=False)
    url_after.add_argument("--url", default=argparse.SUPPRESS, help=URL_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands, url_after)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except FixtureError as error:
        fail(f"error: {error.code}: {error.message}")
        for problem in error.problems:
            fail(f"  {problem}")
        return 2
    except VoucherEngineError as error:
        fail(f"error: {error.code}: {error.message}")
        return 1
    except KeyboardInterrupt:
        fail("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (``voucher-engine pool export ... | head``): not our error. Point
        # stdout at /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def run() -> None:
    sys.exit(main())
