"""Small SQL helpers shared by the relay, the delivery log and the jobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from voucher_engine.errors import TenantNotFound
from voucher_engine.storage.tables import tenants


def insert_or_skip(dialect: str, table: Table, index_elements: Sequence[str] | None = None) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING``: the unique constraint, not a prior read, decides
    (a read-then-insert would let two claimers both insert)."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=index_elements)


def require_tenant(conn: Connection, tenant_id: str) -> None:
    if not conn.execute(select(func.count()).where(tenants.c.id == tenant_id)).scalar_one():
        raise TenantNotFound(f"no tenant {tenant_id!r}")


def clip(text: str | None, limit: int = 1024) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"
