"""``voucher-engine stats``: vouchers by state, pools, pending holds, the outbox."""

from __future__ import annotations

import argparse
import json
from typing import Any

from voucher_engine.cli.common import database_url, open_engine


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], url_after: argparse.ArgumentParser) -> None:
    stats = commands.add_parser("stats", parents=[url_after], help="show counts at a glance")
    stats.add_argument("--tenant", help="only this tenant")
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.add_argument(
        "--issuance", action="store_true",
        help="codes handed out by campaigns, by campaign, category, product and distributor",
    )
    stats.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with open_engine(database_url(args)) as engine:
        stats = engine.issuance_stats(args.tenant) if args.issuance else engine.stats(args.tenant)
    if args.json:
        print(json.dumps(stats, indent=2, sort_keys=True))
    else:
        print(render_issuance(stats) if args.issuance else render(stats))
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
