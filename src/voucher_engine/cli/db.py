"""``voucher-engine db upgrade | current``: the schema, migrated by Alembic."""

from __future__ import annotations

import argparse

from voucher_engine.cli.common import database_url, shown
from voucher_engine.storage import migrate


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], url_after: argparse.ArgumentParser) -> None:
    db = commands.add_parser("db", help="migrate the database schema or show its revision")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", parents=[url_after], help="migrate to the latest schema")
    upgrade.set_defaults(handler=run_upgrade)
    current = actions.add_parser("current", parents=[url_after], help="show the schema revision")
    current.set_defaults(handler=run_current)


def run_upgrade(args: argparse.Namespace) -> int:
    url = database_url(args)
    before, after = migrate.upgrade_url(url)
    if before == after:
        print(f"{shown(url)}: already at revision {after} (head)")
    else:
        print(f"{shown(url)}: migrated from {before or 'an empty database'} to {after} (head)")
    return 0


def run_current(args: argparse.Namespace) -> int:
    url = database_url(args)
    current = migrate.revision_at(url)
    head = migrate.head_revision()
    if current == head:
        print(f"{shown(url)}: revision {current} (head)")
    else:
        print(f"{shown(url)}: revision {current or 'none'}, head is {head}: run `voucher-engine db upgrade`")
    return 0
