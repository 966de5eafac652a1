"""What no column can hold, found in a request before it reaches the engine.

A value the database refuses is the client's mistake, and must be answered as one (the field
named, nothing written) rather than surfacing as a driver error, which the boundary can only
answer as "unavailable". Each rule here is one every backend shares:

- a NUL character (PostgreSQL's text and jsonb cannot store it) or a lone surrogate (no UTF-8
  encoding exists for it) in any string, dictionary keys included;
- an integer outside 64 bits (the widest column; SQLite's driver overflows beyond it), or a
  float that is not finite;
- JSON nested deeper than ``MAX_JSON_DEPTH``: msgspec decodes recursively, and a couple of KB of
  brackets would exhaust the stack, so the depth is measured on the raw bytes first.
"""

from __future__ import annotations

import math
import re
from typing import Any

import msgspec

from voucher_engine.errors import FieldError

#: No request of any shipped provider nests deeper than a handful of levels; free-form
#: metadata gets room to spare.
MAX_JSON_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays and objects more than ``limit`` deep (brackets inside
    strings do not count). Malformed text is left to the decoder."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # the common case: too few brackets to be that deep
    depth = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub(b'""', raw)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def screen_text(value: str, where: str) -> FieldError | None:
    found = _FORBIDDEN_CHARACTERS.search(value)
    if found is None:
        return None
    what = "a NUL character" if found.group() == "\x00" else "a lone surrogate (not a character)"
    return FieldError(where or "$", "characters", f"{what} is not allowed")


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def screen(value: Any, where: str = "") -> FieldError | None:
    """The first value (depth first) that no column can hold, with its path as the client
    spelt it (``items[0].code``), or None."""
    if isinstance(value, str):
        return screen_text(value, where)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return None
        rule = "maximum" if value > 0 else "minimum"
        return FieldError(where or "$", rule, "the number is out of range (64-bit integers only)")
    if isinstance(value, float):
        return None if math.isfinite(value) else FieldError(where or "$", "finite", "the number is not finite")
    if isinstance(value, msgspec.Struct):
        # The class's own tuples of names, in the same order: ``msgspec.structs.fields`` would
        # evaluate the class's annotations again on every call (about 40 us a request).
        cls = type(value)
        for name, wire_name in zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True):
            problem = screen(getattr(value, name), _join(where, wire_name))
            if problem is not None:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            name = _join(where, str(key))
            problem = (screen_text(key, name) if isinstance(key, str) else None) or screen(item, name)
            if problem is not None:
                return problem
        return None
    if isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            problem = screen(item, f"{where}[{index}]")
            if problem is not None:
                return problem
    return None
