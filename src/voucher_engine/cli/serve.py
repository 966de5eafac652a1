"""``voucher-engine serve``: the ASGI app (health, readiness, stats, every provider) on uvicorn."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from voucher_engine.cli.common import URL_ENV, config_path, current_config, url_option
from voucher_engine.config import CONFIG_ENV, Config, env_name
from voucher_engine.errors import VoucherEngineError

#: The adapter builds its app from the environment, so every uvicorn worker process builds
#: its own (an app object cannot be handed to ``--workers`` processes).
APP_FACTORY = "voucher_engine_litestar:create_app_from_env"
F = TypeVar("F", bound=Callable[..., Any])


class ServerNotInstalled(VoucherEngineError):
    code = "server_not_installed"


def server_options(command: F) -> F:
    """Options of ``serve`` and ``demo``; each one overrides its key of the configuration."""
    for option in reversed(
        [
            click.option("--host", default=None, help="interface to listen on (server.host; default 127.0.0.1)"),
            click.option(
                "--port",
                type=click.IntRange(1, 65535),
                default=None,
                help="port to listen on (server.port; default 8000)",
            ),
            click.option(
                "--no-worker",
                is_flag=True,
                default=None,
                help="deliver no webhooks and run no jobs in the server (run `voucher-engine worker` instead)",
            ),
            click.option(
                "--webhook-network",
                "webhook_networks",
                multiple=True,
                metavar="CIDR",
                help="let webhooks, and endpoints registered over the admin API, reach this private "
                "network (webhooks.networks; repeatable)",
            ),
            click.option(
                "--mount",
                "mounts",
                multiple=True,
                metavar="NAME=/PREFIX",
                help="serve provider NAME under PREFIX instead of /NAME (server.mounts; repeatable; "
                "promo=/ for a drop-in host)",
            ),
        ]
    ):
        command = option(command)
    return command


def overrides_of(
    host: str | None,
    port: int | None,
    no_worker: bool | None,
    webhook_networks: tuple[str, ...],
    mounts: tuple[str, ...],
) -> dict[str, Any]:
    return {
        "server.host": host,
        "server.port": port,
        "server.worker": False if no_worker else None,
        "webhooks.networks": webhook_networks or None,
        "server.mounts": mounts or None,
    }


@click.command("serve")
@url_option
@server_options
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="server processes (server.processes; default 1)",
)
def serve(
    *,
    url: str | None,
    host: str | None,
    port: int | None,
    no_worker: bool | None,
    webhook_networks: tuple[str, ...],
    mounts: tuple[str, ...],
    workers: int | None,
) -> int:
    """Serve the HTTP API with uvicorn, as the configuration file says."""
    overrides = overrides_of(host, port, no_worker, webhook_networks, mounts)
    overrides["server.processes"] = workers
    config = current_config(url=url, **overrides)
    serve_http(config, config_path(), {k: v for k, v in overrides.items() if v is not None})
    return 0


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    return str(value)


def serve_http(config: Config, config_file: str | None, overrides: dict[str, Any]) -> None:
    """Run uvicorn; its processes read the same configuration: the file, the environment, and
    the command line's values passed on as ``VOUCHER_ENGINE_...`` variables (which beat the file)."""
    # The core imports no web framework (an import-linter contract): the server is optional,
    # installed with the ``litestar`` extra, so it is looked up only when a command serves.
    try:
        uvicorn = importlib.import_module("uvicorn")
    except ImportError:
        raise ServerNotInstalled("serving needs the litestar extra: pip install 'voucher-engine[litestar]'") from None
    if config_file:
        os.environ[CONFIG_ENV] = str(Path(config_file).resolve())
    os.environ[URL_ENV] = config.url
    for key, value in overrides.items():
        os.environ[env_name(key)] = _env_text(value)
    server = config.server
    # Named, not "auto": a server that silently fell back to asyncio + h11 would serve about
    # half as much (docs/benchmarks.md). The litestar extra installs both (uvicorn[standard]).
    # access_log=False: the app writes its own JSON access line per request (with the request
    # id, the route template and never the raw path); uvicorn's would be a second line.
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=server.host,
        port=server.port,
        workers=server.processes,
        loop="uvloop",
        http="httptools",
        access_log=False,
    )


COMMANDS = [serve]
