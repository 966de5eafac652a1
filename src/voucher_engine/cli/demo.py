"""``voucher-engine demo``: an embedded SQLite file with the demo data, served at once.

This is what ``make demo`` runs on a fresh machine: create the data directory, create and
migrate the SQLite file in it (``Engine.open`` migrates the embedded database by itself), load
the packaged demo fixtures, print what to call, and serve.
"""

from __future__ import annotations

import argparse
from importlib.resources import as_file, files
from pathlib import Path

from voucher_engine.cli.common import open_engine
from voucher_engine.cli.load import show_progress
from voucher_engine.cli.serve import add_server_options, serve_http
from voucher_engine.domain.money import Money
from voucher_engine.domain.vouchers import VoucherKind
from voucher_engine.engine import Engine
from voucher_engine.errors import AlreadyExists
from voucher_engine.fixtures import FixturePlan, LoadSummary, apply, read_fixtures
from voucher_engine.identity import Identity

DEMO_TENANT = "demo"
DEMO_DISTRIBUTOR = "DIST-001"
DATABASE_FILE = "voucher-engine.sqlite3"
#: The promo provider answers at "/" so that the partner's sample cURL works as written.
DEMO_MOUNTS = ["promo=/"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], url_after: argparse.ArgumentParser) -> None:
    demo = commands.add_parser("demo", help="load the demo data into a SQLite file and serve it")
    demo.add_argument("--data-dir", type=Path, default=Path("demo-data"),
                      help="where the SQLite file lives (default: ./demo-data)")
    add_server_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="stop after loading")
    demo.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    data_dir = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data_dir / DATABASE_FILE}"
    with as_file(files("voucher_engine.demo") / "demo.toml") as fixture, open_engine(url) as engine:
        plan = read_fixtures(fixture, engine)
        summary = apply(engine, plan, progress=show_progress)
        token = distributor_token(engine)
        print(instructions(engine, url, plan, summary, host=args.host, port=args.port, token=token))
    if args.no_serve:
        return 0
    print(f"\nserving on http://{args.host}:{args.port} (Ctrl+C stops)", flush=True)
    serve_http(url, host=args.host, port=args.port, mounts=[*DEMO_MOUNTS, *args.mount],
               worker=not args.no_worker, webhook_networks=args.webhook_network)
    return 0


def distributor_token(engine: Engine) -> str:
    """A bearer token for the demo distributor. Tokens are stored hashed and cannot be shown
    again, so every demo start issues a fresh one (the previous one stops working)."""
    distributors = Identity(engine).distributors
    try:
        return distributors.create_distributor(DEMO_TENANT, DEMO_DISTRIBUTOR, "Demo point of sale")
    except AlreadyExists:
        return distributors.rotate_distributor_token(DEMO_TENANT, DEMO_DISTRIBUTOR)


def instructions(
    engine: Engine, url: str, plan: FixturePlan, summary: LoadSummary, *, host: str, port: int, token: str
) -> str:
    base = f"http://{host}:{port}"
    lines = [f"demo database: {url}", *(f"  {line}" for line in summary.lines()), "", "pools:"]
    lines += [f"  {p.pool_id}: {p.remaining} of {p.size} codes left" for p in engine.list_pools(DEMO_TENANT)]
    lines += ["", f"vouchers of tenant {DEMO_TENANT!r}:"]
    for planned in plan.vouchers:
        voucher = engine.get_voucher(planned.tenant, code=planned.code)
        if voucher.kind is VoucherKind.MONETARY:
            what = f"monetary, balance {Money(voucher.available, voucher.currency or '')}"
        else:
            what = f"{voucher.kind.value}, {voucher.available} use(s) left"
        pin = f", PIN {planned.spec.pin}" if planned.spec.pin else ""
        lines.append(f"  {voucher.code:16} {what} ({voucher.state.value}{pin})")
    lines += [
        "", "try:",
        f"  curl {base}/health",
        f"  curl {base}/ready",
        f"  curl {base}/stats",
        f"  voucher-engine stats --url {url}",
        f"  voucher-engine pool export {DEMO_TENANT} betathome --url {url} -o codes.csv",
        f"  voucher-engine client create {DEMO_TENANT} --scope admin --url {url}   # then see docs/admin-api.md",
        "",
        f"promotional voucher request (distributor {DEMO_DISTRIBUTOR}, token valid until the next demo start):",
        f"  curl -X POST \"{base}/api/v1/voucher/request\" \\",
        '    -H "Content-Type: application/json" \\',
        f'    -H "Authorization: Bearer {token}" \\',
        f'''    -d '{{"distributor_id": "{DEMO_DISTRIBUTOR}", "terminal_id": "AT-998877", '''
        '''"trigger_category_id": "PAY", "trigger_product_id": "PaysafeCard"}\'''',
    ]
    return "\n".join(lines)
