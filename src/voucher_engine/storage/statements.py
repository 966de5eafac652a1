"""Statements whose SQL differs by dialect, built in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_or_skip(dialect: str, table: Table, index_elements: Sequence[str] | None = None) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING``: the unique constraint, not a prior read, decides
    (a read-then-insert would let two writers both insert), and the transaction goes on."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=index_elements)
