"""``voucher-engine serve``: the ASGI app (health, readiness, stats, every provider) on uvicorn."""

from __future__ import annotations

import argparse
import importlib
import os

from voucher_engine.cli.common import URL_ENV, database_url
from voucher_engine.errors import VoucherEngineError

#: The adapter builds its app from the environment, so every uvicorn worker process builds
#: its own (an app object cannot be handed to ``--workers`` processes).
APP_FACTORY = "voucher_engine_litestar:create_app_from_env"
#: Read by the adapter's factory: "name=/prefix,..." moves providers from their default prefix.
MOUNTS_ENV = "VOUCHER_ENGINE_MOUNTS"


class ServerNotInstalled(VoucherEngineError):
    code = "server_not_installed"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], url_after: argparse.ArgumentParser) -> None:
    serve = commands.add_parser("serve", parents=[url_after], help="serve the HTTP API with uvicorn")
    add_server_options(serve)
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="server processes (default 1)")
    serve.set_defaults(handler=run)


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--no-worker", action="store_true",
        help="deliver no webhooks and run no jobs in the server (run `voucher-engine worker` instead)",
    )
    parser.add_argument(
        "--webhook-network", action="append", default=[], metavar="CIDR",
        help="let webhooks reach this private network (repeatable)",
    )
    parser.add_argument(
        "--mount", action="append", default=[], metavar="NAME=/PREFIX",
        help="serve provider NAME under PREFIX instead of /NAME (repeatable; promo=/ for a drop-in host)",
    )


def run(args: argparse.Namespace) -> int:
    serve_http(database_url(args), host=args.host, port=args.port, workers=args.workers, mounts=args.mount,
               worker=not args.no_worker, webhook_networks=args.webhook_network)
    return 0


def serve_http(
    url: str, *, host: str, port: int, workers: int = 1, mounts: list[str] | None = None,
    worker: bool = True, webhook_networks: list[str] | None = None,
) -> None:
    # The core imports no web framework (an import-linter contract): the server is optional,
    # installed with the ``litestar`` extra, so it is looked up only when a command serves.
    try:
        uvicorn = importlib.import_module("uvicorn")
    except ImportError:
        raise ServerNotInstalled(
            "serving needs the litestar extra: pip install 'voucher-engine[litestar]'"
        ) from None
    os.environ[URL_ENV] = url
    if mounts:
        os.environ[MOUNTS_ENV] = ",".join(mounts)
    # Read by the adapter's factory in every server process.
    os.environ["VOUCHER_ENGINE_WORKER"] = "1" if worker else "0"
    if webhook_networks:
        os.environ["VOUCHER_ENGINE_WEBHOOK_NETWORKS"] = ",".join(webhook_networks)
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers)
