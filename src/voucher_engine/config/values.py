"""Turning one configuration value (from TOML or from an environment variable) into the type a
settings dataclass declares for it: strings, numbers, booleans, durations, lists, tables.

Each failure is a ``BadValue`` whose message says what was expected; the caller adds the key.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal, get_args, get_origin


class BadValue(Exception):
    """A value that does not fit its key's type."""


_DURATION = re.compile(r"(?P<n>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def parse_duration(text: str) -> timedelta:
    """``"90s"``, ``"15m"``, ``"1h30m"``, ``"2d"``, ``"250ms"`` or a bare number of seconds."""
    text = text.strip().lower()
    try:
        return timedelta(seconds=float(text))
    except ValueError:
        pass
    pos, seconds = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        seconds += float(match["n"]) * _UNITS[match["unit"]]
        pos = match.end()
    if not text or pos != len(text):
        raise BadValue(f'expected a duration like "90s", "15m", "1h30m" or a number of seconds, got {text!r}')
    return timedelta(seconds=seconds)


def describe(value: Any) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a float",
        bool: "a boolean",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def convert(value: Any, kind: Any, *, from_env: bool = False) -> Any:
    """``value`` as ``kind``; an environment variable's text is parsed first (``from_env``)."""
    origin, args = get_origin(kind), get_args(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if value is None or (from_env and value == ""):
            if len(options) < len(args):
                return None
            raise BadValue("must be set")
        return convert(value, options[0], from_env=from_env)
    if origin is Literal:
        if value not in args:
            raise BadValue(f"one of {', '.join(repr(a) for a in args)}, got {value!r}")
        return value
    if origin is tuple or kind is tuple:
        item = args[0] if args else str
        items = [p.strip() for p in value.split(",") if p.strip()] if from_env and isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise BadValue(f"expected an array, got {describe(value)}")
        return tuple(convert(x, item, from_env=from_env) for x in items)
    if origin in (dict, Mapping, typing.Mapping) or kind is dict:
        key_type, value_type = args or (str, str)
        table = _env_table(value) if from_env and isinstance(value, str) else value
        if not isinstance(table, dict):
            raise BadValue(f"expected a table, got {describe(value)}")
        return {
            convert(k, key_type, from_env=True): convert(v, value_type, from_env=from_env) for k, v in table.items()
        }
    return _scalar(value, kind, from_env)


def _env_table(text: str) -> dict[str, str]:
    """``"a=1,b=2"``: a table in one environment variable."""
    table = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, item = part.partition("=")
        if not sep:
            raise BadValue(f"expected key=value pairs separated by commas, got {part!r}")
        table[key.strip()] = item.strip()
    return table


def _scalar(value: Any, kind: Any, from_env: bool) -> Any:
    if kind is bool:
        if from_env and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if isinstance(value, bool):
            return value
        raise BadValue(f"expected a boolean, got {describe(value) if not from_env else repr(value)}")
    if kind is int:
        if from_env and isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise BadValue(f"expected an integer, got {value!r}") from None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise BadValue(f"expected an integer, got {describe(value)}")
    if kind is float:
        if from_env and isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise BadValue(f"expected a number, got {value!r}") from None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise BadValue(f"expected a number, got {describe(value)}")
    if kind is timedelta:
        if isinstance(value, str):
            return parse_duration(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return timedelta(seconds=value)
        raise BadValue(f'expected a duration like "15m" or a number of seconds, got {describe(value)}')
    if kind is str:
        if isinstance(value, str):
            return value
        raise BadValue(f"expected a string, got {describe(value)}")
    raise BadValue(f"a setting of type {kind!r} cannot be configured from a file")


def render(value: Any) -> Any:
    """A value as TOML writes it back (``config show``): durations as text, tuples as lists."""
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, tuple | list):
        return [render(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): render(v) for k, v in value.items()}
    return value


def format_duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    if seconds != int(seconds):
        return f"{seconds}s"
    parts, rest = [], int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts) or "0s"
