"""``voucher-engine demo``: an embedded SQLite file with the demo data, served at once.

This is what ``make demo`` runs on a fresh machine: create the data directory, create and
migrate the SQLite file in it (``Engine.open`` migrates the embedded database by itself), load
the packaged demo fixtures, print what to call, and serve.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

import click

from voucher_engine.cli.common import config_path, current_config, open_engine
from voucher_engine.cli.load import show_progress
from voucher_engine.cli.serve import overrides_of, serve_http, server_options
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
DEMO_MOUNTS = ("promo=/",)


@click.command("demo")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-data"),
    show_default=True,
    help="where the SQLite file lives",
)
@server_options
@click.option("--no-serve", is_flag=True, help="stop after loading")
def demo(
    *,
    data_dir: Path,
    host: str | None,
    port: int | None,
    no_worker: bool | None,
    webhook_networks: tuple[str, ...],
    mounts: tuple[str, ...],
    no_serve: bool,
) -> int:
    """Load the demo data into a SQLite file and serve it."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data_dir / DATABASE_FILE}"
    overrides = overrides_of(host, port, no_worker, webhook_networks, (*DEMO_MOUNTS, *mounts))
    overrides["url"] = url
    config = current_config(**overrides)
    with as_file(files("voucher_engine.demo") / "demo.toml") as fixture, open_engine(url) as engine:
        plan = read_fixtures(fixture, engine)
        summary = apply(engine, plan, progress=show_progress)
        token = distributor_token(engine)
        click.echo(
            instructions(engine, url, plan, summary, host=config.server.host, port=config.server.port, token=token)
        )
    if no_serve:
        return 0
    click.echo(f"\nserving on http://{config.server.host}:{config.server.port} (Ctrl+C stops)")
    serve_http(config, config_path(), {k: v for k, v in overrides.items() if v is not None})
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
        "",
        "try:",
        f"  curl {base}/health",
        f"  curl {base}/ready",
        f'  curl -H "Authorization: Bearer $TOKEN" {base}/stats   # a token with admin:read (docs/http.md)',
        f"  voucher-engine stats --url {url}",
        f"  voucher-engine pool export {DEMO_TENANT} betathome --url {url} -o codes.csv",
        f"  voucher-engine client create {DEMO_TENANT} --scope admin --url {url}   # then see docs/admin-api.md",
        "",
        f"promotional voucher request (distributor {DEMO_DISTRIBUTOR}, token valid until the next demo start):",
        f'  curl -X POST "{base}/api/v1/voucher/request" \\',
        '    -H "Content-Type: application/json" \\',
        f'    -H "Authorization: Bearer {token}" \\',
        f'''    -d '{{"distributor_id": "{DEMO_DISTRIBUTOR}", "terminal_id": "AT-998877", '''
        """"trigger_category_id": "PAY", "trigger_product_id": "PaysafeCard"}\'""",
    ]
    return "\n".join(lines)


COMMANDS = [demo]
