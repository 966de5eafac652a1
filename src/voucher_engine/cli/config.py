"""``voucher-engine config show``: the effective configuration, secrets masked."""

from __future__ import annotations

import json
from typing import Any

import click

from voucher_engine.cli.common import current_config, url_option


@click.group("config")
def config() -> None:
    """Inspect the configuration (docs/configuration.md)."""


@config.command("show")
@url_option
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of TOML")
def show(url: str | None, as_json: bool) -> int:
    """Print the effective configuration (file, environment, defaults), secrets masked.

    Checking it is the same as starting `serve` or `worker` with it: every bad key is named and
    the exit status is 2.
    """
    loaded = current_config(url=url)
    values = loaded.show()
    if as_json:
        click.echo(json.dumps(values, indent=2, sort_keys=True))
        return 0
    click.echo(f"# the effective configuration, from {loaded.source}; values not from the file are marked")
    click.echo(to_toml(values, dict(loaded.origin)))
    return 0


def to_toml(values: dict[str, Any], origin: dict[str, str], table: str = "") -> str:
    lines: list[str] = []
    subtables = []
    for key, value in values.items():
        dotted = f"{table}.{key}" if table else key
        if isinstance(value, dict) and (table in {"", "providers"} or dotted not in origin):
            subtables.append((dotted, value))
            continue
        where = origin.get(dotted, "default")
        note = "" if where == "file" else f"  # {where}"
        if value is None:
            lines.append(f"# {key} = (unset){note}")
        else:
            lines.append(f"{_bare(key)} = {_value(value)}{note}")
    for dotted, value in subtables:
        body = to_toml(value, origin, dotted)
        lines += [""] if dotted == "providers" else ["", f"[{dotted}]"]
        if body:
            lines.append(body)
    return "\n".join(lines).strip("\n")


def _bare(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_bare(str(k))} = {_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))


COMMANDS = [config]
