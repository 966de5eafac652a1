"""``voucher-engine stats``: vouchers by state, pools, pending holds, the outbox."""

from __future__ import annotations

import json
from typing import Any

import click

from voucher_engine.cli.common import database_url, open_engine, url_option


@click.command("stats")
@click.option("--tenant", help="only this tenant")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@click.option(
    "--issuance", is_flag=True, help="codes handed out by campaigns, by campaign, category, product and distributor"
)
@url_option
def stats(tenant: str | None, as_json: bool, issuance: bool, url: str | None) -> int:
    """Show counts at a glance."""
    with open_engine(database_url(url)) as engine:
        counts = engine.issuance_stats(tenant) if issuance else engine.stats(tenant)
    if as_json:
        click.echo(json.dumps(counts, indent=2, sort_keys=True))
    else:
        click.echo(render_issuance(counts) if issuance else render(counts))
    return 0


def render_issuance(stats: dict[str, Any]) -> str:
    lines = [f"codes issued by campaigns: {stats['total']}"]
    for dimension in ("campaign", "category", "product", "distributor"):
        lines.append(f"by {dimension}:")
        lines += [
            f"  {row['tenant']:16} {row[dimension] if row[dimension] is not None else '-'!s:32} {row['issued']:>10}"
            for row in stats[f"by_{dimension}"]
        ]
    return "\n".join(lines)


def render(stats: dict[str, Any]) -> str:
    vouchers = stats["vouchers"]
    lines = [f"vouchers: {sum(vouchers.values())}"]
    lines += [f"  {state:20} {n}" for state, n in vouchers.items()]
    lines.append(f"holds pending: {stats['holds_pending']}")
    lines.append(f"outbox: {stats['outbox']}")
    lines.append(f"pools: {len(stats['pools'])}")
    if stats["pools"]:
        lines.append(f"  {'tenant':16} {'pool':24} {'size':>10} {'issued':>10} {'remaining':>10}")
        lines += [
            f"  {p['tenant']:16} {p['pool']:24} {p['size']:>10} {p['issued']:>10} {p['remaining']:>10}"
            for p in stats["pools"]
        ]
    return "\n".join(lines)


COMMANDS = [stats]
