"""Saving a result as JSON for an idempotency key, and getting the same object back."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


def dump(value: Any) -> Any:
    return msgspec.to_builtins(value)


def load(data: Any, type_: type[T]) -> T:
    return msgspec.convert(data, type_, strict=False)
