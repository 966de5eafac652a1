"""Alembic, driven from code: ``voucher-engine db upgrade`` and the embedded auto-migration."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from voucher_engine.storage.database import Database

_SCRIPTS = Path(__file__).with_name("migrations")


def _config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["database"] = database
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    command.upgrade(_config(database), revision)


def downgrade(database: Database, revision: str) -> None:
    command.downgrade(_config(database), revision)


def current_revision(database: Database) -> str | None:
    with database.sa.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@cache  # the scripts ship with the package and do not change while it runs
def head_revision() -> str | None:
    return ScriptDirectory(str(_SCRIPTS)).get_current_head()


def upgrade_url(url: str) -> tuple[str | None, str | None]:
    """Migrate the database at ``url`` to head (the CLI's ``db upgrade``); returns the
    revisions (before, after)."""
    database = Database(url)
    try:
        before = current_revision(database)
        upgrade(database)
        return before, current_revision(database)
    finally:
        database.dispose()


def revision_at(url: str) -> str | None:
    """The schema revision of the database at ``url`` (None before the first migration)."""
    database = Database(url)
    try:
        return current_revision(database)
    finally:
        database.dispose()


def is_current(database: Database) -> bool:
    return current_revision(database) == head_revision()
