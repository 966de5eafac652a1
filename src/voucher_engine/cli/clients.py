"""``voucher-engine client create TENANT --scope admin``: an API client and its secret.

The first admin client of a tenant has to come from the operator; every later one can be made
through the admin API by a client holding ``admin`` or ``admin:identity``.
"""

from __future__ import annotations

import click

from voucher_engine.cli.common import database_url, open_engine, url_option
from voucher_engine.identity import Identity


@click.group("client")
def client() -> None:
    """Manage API clients."""


@client.command("create")
@click.argument("tenant")
@click.option(
    "--scope", "scopes", multiple=True, required=True, help="a scope the client may request (repeatable), e.g. admin"
)
@click.option("--name", default="", help="a label for operators")
@url_option
def create(tenant: str, scopes: tuple[str, ...], name: str, url: str | None) -> int:
    """Create a client; its secret is shown once."""
    with open_engine(database_url(url)) as engine:
        created = Identity(engine).clients.create_client(tenant, list(scopes), name)
    click.echo(f"client_id:     {created.client_id}")
    click.echo(f"client_secret: {created.secret}")
    click.echo("store the secret now: it is kept only as a hash and cannot be shown again")
    return 0


COMMANDS = [client]
