"""pool_codes' unique key leads with the code: (code, tenant_id, pool_id)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

A pop finds its code by number, (tenant_id, pool_id, seq), the primary key; so does the
foreign key check of the issue it writes. With the unique key on (tenant_id, pool_id, code),
two indexes began with the pool, and a planner whose statistics lagged behind an import (a
pool just filled, before autovacuum analysed it) took the unique one and filtered every code of
the pool for the number: a pop cost grew with its pool (measured: 3,100 codes scanned per pop,
about 0.8 ms of the server's CPU). Led by the code, the unique key serves what it is for (an
import's duplicate check, by code) and leaves the pool's prefix to the primary key alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OLD = ("uq_pool_codes_tenant_id_pool_id_code", ["tenant_id", "pool_id", "code"])
NEW = ("uq_pool_codes_code_tenant_id_pool_id", ["code", "tenant_id", "pool_id"])
COLUMNS = "tenant_id, pool_id, seq, code"


def _rebuild_on_sqlite(unique: tuple[str, list[str]]) -> None:
    """SQLite keeps a table's UNIQUE constraint in its CREATE TABLE: rebuild pool_codes. As
    migration 0011 rebuilds pools, and for its reason: pool_issues refers to pool_codes, so the
    rows go back into a new table of the same name under deferred foreign keys."""
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute(f"CREATE TABLE _pool_codes_0012 AS SELECT {COLUMNS} FROM pool_codes")
    op.drop_table("pool_codes")
    op.create_table(
        "pool_codes",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("pool_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "pool_id", "seq", name=op.f("pk_pool_codes")),
        sa.UniqueConstraint(*unique[1], name=op.f(unique[0])),
    )
    op.execute(f"INSERT INTO pool_codes ({COLUMNS}) SELECT {COLUMNS} FROM _pool_codes_0012")
    op.drop_table("_pool_codes_0012")


def _replace(drop: tuple[str, list[str]], create: tuple[str, list[str]]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(create)
        return
    op.drop_constraint(op.f(drop[0]), "pool_codes", type_="unique")
    op.create_unique_constraint(op.f(create[0]), "pool_codes", create[1])


def upgrade() -> None:
    _replace(OLD, NEW)


def downgrade() -> None:
    _replace(NEW, OLD)
