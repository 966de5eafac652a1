"""The ``voucher-engine`` command, on click: serve, worker, demo, config, db, load, pool, stats,
client, distributor, partner, webhook, staff.

Each command lives in its own module and lists its click commands in ``COMMANDS``. Engine
errors end the command with one line ``error: <code>: <message>`` and exit status 1; a bad
command line, a bad fixture file or a bad configuration with exit status 2; none prints a
traceback. Shell completion comes from click (docs/cli.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from voucher_engine.cli import clients, config, db, demo, identities, load, pools, serve, stats, worker
from voucher_engine.cli.common import CONFIG_HELP, URL_HELP, Options, fail
from voucher_engine.config import ConfigError
from voucher_engine.errors import VoucherEngineError
from voucher_engine.fixtures import FixtureError

PROG = "voucher-engine"
MODULES = (db, load, pools, stats, clients, identities, config, serve, worker, demo)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--url", default=None, metavar="URL", help=URL_HELP)
@click.option("--config", "config_file", default=None, metavar="FILE", help=CONFIG_HELP)
@click.pass_context
def cli(ctx: click.Context, url: str | None, config_file: str | None) -> None:
    """Run, load and inspect a voucher engine database."""
    ctx.obj = Options(url=url, config=config_file)


for _module in MODULES:
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        status = cli.main(args=list(argv) if argv is not None else None, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Abort:
        fail("interrupted")
        return 130
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except (FixtureError, ConfigError) as error:
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
    return status if isinstance(status, int) else 0


def run() -> None:
    sys.exit(main())
