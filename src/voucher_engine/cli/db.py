"""``voucher-engine db upgrade | current``: the schema, migrated by Alembic."""

from __future__ import annotations

import click

from voucher_engine.cli.common import database_url, shown, url_option
from voucher_engine.storage import migrate


@click.group("db")
def db() -> None:
    """Migrate the database schema or show its revision."""


@db.command("upgrade")
@url_option
def upgrade(url: str | None) -> int:
    """Migrate to the latest schema."""
    url = database_url(url)
    before, after = migrate.upgrade_url(url)
    if before == after:
        click.echo(f"{shown(url)}: already at revision {after} (head)")
    else:
        click.echo(f"{shown(url)}: migrated from {before or 'an empty database'} to {after} (head)")
    return 0


@db.command("current")
@url_option
def current(url: str | None) -> int:
    """Show the schema revision."""
    url = database_url(url)
    revision = migrate.revision_at(url)
    head = migrate.head_revision()
    if revision == head:
        click.echo(f"{shown(url)}: revision {revision} (head)")
    else:
        click.echo(f"{shown(url)}: revision {revision or 'none'}, head is {head}: run `voucher-engine db upgrade`")
    return 0


COMMANDS = [db]
