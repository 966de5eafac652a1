"""``voucher-engine worker``: deliver webhooks and run background jobs until SIGTERM.

Any number of workers may share one PostgreSQL database: deliveries and jobs are claimed with
leases, so none is in flight twice.
"""

from __future__ import annotations

import dataclasses

import click

from voucher_engine.cli.common import current_config, url_option
from voucher_engine.delivery.worker import main_worker


@click.command("worker")
@url_option
@click.option(
    "--allow-network",
    "networks",
    multiple=True,
    metavar="CIDR",
    help="let webhooks reach this private network, besides the configuration's webhooks.networks "
    "(repeatable; e.g. 127.0.0.1/32 for a local receiver)",
)
@click.option("--id", "worker_id", help="this worker's name in the delivery log")
def worker(url: str | None, networks: tuple[str, ...], worker_id: str | None) -> int:
    """Deliver webhooks and run jobs, as the configuration file says."""
    config = current_config(url=url)
    settings = config.delivery_settings()
    settings = dataclasses.replace(settings, allowed_networks=(*settings.allowed_networks, *networks))
    return main_worker(
        config.url, settings=settings, config=config.engine_config(), worker_id=worker_id, prepare=config.apply
    )


COMMANDS = [worker]
