"""``voucher-engine worker``: deliver webhooks and run background jobs until SIGTERM.

Any number of workers may share one PostgreSQL database: deliveries and jobs are claimed with
leases, so none is in flight twice.
"""

from __future__ import annotations

import argparse

from voucher_engine.cli.common import database_url
from voucher_engine.delivery import DeliverySettings
from voucher_engine.delivery.worker import main_worker


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], url_after: argparse.ArgumentParser) -> None:
    worker = commands.add_parser("worker", parents=[url_after], help="deliver webhooks and run jobs")
    worker.add_argument(
        "--allow-network", action="append", default=[], metavar="CIDR",
        help="let webhooks reach this private network (repeatable; e.g. 127.0.0.1/32 for a local receiver)",
    )
    worker.add_argument("--id", dest="worker_id", help="this worker's name in the delivery log")
    worker.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = DeliverySettings(allowed_networks=tuple(args.allow_network))
    return main_worker(database_url(args), settings=settings, worker_id=args.worker_id)
