"""What every command shares: which database, opening the engine on it, printing secrets."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click
from sqlalchemy.engine import make_url

from voucher_engine.config import CONFIG_ENV, Config, load_config
from voucher_engine.engine import DEFAULT_URL, Engine, EngineConfig
from voucher_engine.errors import StorageError
from voucher_engine.progress import ProgressBar

URL_ENV = "VOUCHER_ENGINE_URL"
URL_HELP = f"database URL (default: the configuration's url, else ${URL_ENV}, else {DEFAULT_URL})"
CONFIG_HELP = f"the configuration file (default: ${CONFIG_ENV}; see docs/configuration.md)"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(slots=True)
class Options:
    """The options given before the command (``voucher-engine --url ... stats``)."""

    url: str | None = None
    config: str | None = None


def _remember_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(Options).config = value


def url_option(command: F) -> F:
    """``--url`` and ``--config`` after the command too (``voucher-engine stats --url ...``)."""
    command = click.option(
        "--config",
        "config_file",
        default=None,
        metavar="FILE",
        expose_value=False,
        callback=_remember_config,
        help=CONFIG_HELP,
    )(command)
    return click.option("--url", "url", default=None, metavar="URL", help=URL_HELP)(command)


def options() -> Options:
    ctx = click.get_current_context()
    found = ctx.find_object(Options)
    return found if found is not None else Options()


def config_path() -> str | None:
    return options().config or os.environ.get(CONFIG_ENV) or None


def current_config(**overrides: Any) -> Config:
    """The configuration file (``--config`` or ``$VOUCHER_ENGINE_CONFIG``), the environment and
    these command-line values (dotted keys; ``None`` values are left out)."""
    given = {key: value for key, value in overrides.items() if value is not None}
    url = options().url
    if url is not None and "url" not in given:
        given["url"] = url
    return load_config(config_path(), overrides=given)


def database_url(url: str | None = None) -> str:
    """``--url`` after the command, else before it, else the configuration file's ``url``
    (when there is one), else ``$VOUCHER_ENGINE_URL``, else the embedded default."""
    chosen = url or options().url
    if chosen:
        return chosen
    if config_path():
        return load_config(config_path()).url
    return os.environ.get(URL_ENV) or DEFAULT_URL


def shown(url: str) -> str:
    """The URL with any password masked, fit for a terminal or a log."""
    return make_url(url).render_as_string(hide_password=True)


def open_engine(url: str, config: EngineConfig | None = None) -> Engine:
    """Open the engine, refusing a database that is not migrated to the current schema.

    The embedded SQLite file migrates itself on open; a PostgreSQL database is migrated by
    ``voucher-engine db upgrade``, and a command run before that should say so plainly.
    """
    engine = Engine.open(url, config=config)
    schema = engine.schema_status()
    if not schema.current:
        engine.close()
        raise StorageError(
            f"the database at {shown(url)} is at schema revision {schema.revision or 'none'}, not "
            f"{schema.head}: run `voucher-engine db upgrade --url ...` first"
        )
    return engine


def open_configured_engine(url: str | None) -> Engine:
    """``open_engine`` with the configuration applied (the webhook guard, providers' settings),
    for commands that act as the server would."""
    config = current_config(url=url)
    engine = open_engine(config.url, config.engine_config())
    config.apply(engine)
    return engine


def fail(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def progress_bar(label: str, total: int | None) -> ProgressBar:
    return ProgressBar(label, total)


SECRET_NOTE = "store it now: it is kept only as a hash and cannot be shown again"
