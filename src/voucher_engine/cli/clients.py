"""``voucher-engine client create TENANT --scope admin``: an API client and its secret.

The first admin client of a tenant has to come from the operator; every later one can be made
through the admin API by a client holding ``admin`` or ``admin:identity``.
"""

from __future__ import annotations

import argparse

from voucher_engine.cli.common import database_url, open_engine
from voucher_engine.identity import Identity


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], url_after: argparse.ArgumentParser) -> None:
    client = commands.add_parser("client", help="manage API clients")
    actions = client.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", parents=[url_after], help="create a client; its secret is shown once")
    create.add_argument("tenant")
    create.add_argument("--scope", action="append", required=True, dest="scopes",
                        help="a scope the client may request (repeatable), e.g. admin")
    create.add_argument("--name", default="", help="a label for operators")
    create.set_defaults(handler=run_create)


def run_create(args: argparse.Namespace) -> int:
    with open_engine(database_url(args)) as engine:
        created = Identity(engine).clients.create_client(args.tenant, args.scopes, args.name)
    print(f"client_id:     {created.client_id}")
    print(f"client_secret: {created.secret}")
    print("store the secret now: it is kept only as a hash and cannot be shown again")
    return 0
