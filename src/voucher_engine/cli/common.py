"""What every command shares: which database, opening the engine on it, printing."""

from __future__ import annotations

import argparse
import os
import sys

from sqlalchemy.engine import make_url

from voucher_engine.engine import DEFAULT_URL, Engine
from voucher_engine.errors import StorageError
from voucher_engine.progress import ProgressBar

URL_ENV = "VOUCHER_ENGINE_URL"
URL_HELP = f"database URL (default: ${URL_ENV}, else {DEFAULT_URL})"


def database_url(args: argparse.Namespace) -> str:
    return getattr(args, "url", None) or os.environ.get(URL_ENV) or DEFAULT_URL


def shown(url: str) -> str:
    """The URL with any password masked, fit for a terminal or a log."""
    return make_url(url).render_as_string(hide_password=True)


def open_engine(url: str) -> Engine:
    """Open the engine, refusing a database that is not migrated to the current schema.

    The embedded SQLite file migrates itself on open; a PostgreSQL database is migrated by
    ``voucher-engine db upgrade``, and a command run before that should say so plainly.
    """
    engine = Engine.open(url)
    schema = engine.schema_status()
    if not schema.current:
        engine.close()
        raise StorageError(
            f"the database at {shown(url)} is at schema revision {schema.revision or 'none'}, not "
            f"{schema.head}: run `voucher-engine db upgrade --url ...` first"
        )
    return engine


def fail(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def progress_bar(label: str, total: int | None) -> ProgressBar:
    return ProgressBar(label, total, stream=sys.stderr)
