"""pool_lanes: a pool's issued codes counted on 16 lane rows instead of pools.cursor

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Types and numbers spelled out here, not imported from the application, so this file never
# changes.
TIMESTAMP = sa.DateTime(timezone=True)
LANES = 16
COLUMNS = "tenant_id, id, name, pattern, charset, size, low_stock_threshold, created_at"
# The last code the lanes have issued: the old single cursor may not go below it. Codes below
# it that no lane has issued (a pop that held them rolled back while others went past) are
# not handed out after a downgrade: skipped, never issued twice.
HIGH_WATER = (
    f"COALESCE((SELECT MAX((l.cursor - 1) * {LANES} + l.lane + 1) FROM pool_lanes l"
    " WHERE l.tenant_id = pools.tenant_id AND l.pool_id = pools.id AND l.cursor > 0), 0)"
)


def _pools(*, cursor: bool) -> list[sa.schema.SchemaItem]:
    """pools' columns and constraints, with or without the cursor of revisions before 0011."""
    return [
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("pattern", sa.String(length=255), nullable=True),
        sa.Column("charset", sa.String(length=255), nullable=True),
        sa.Column("size", sa.BigInteger(), server_default="0", nullable=False),
        *([sa.Column("cursor", sa.BigInteger(), server_default="0", nullable=False)] if cursor else []),
        sa.Column("low_stock_threshold", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        *(
            [sa.CheckConstraint("cursor >= 0 AND cursor <= size", name=op.f("ck_pools_cursor_within_size"))]
            if cursor
            else []
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_pools_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_pools")),
    ]


def _rebuild_pools_on_sqlite(*, cursor: bool, select_rows: str) -> None:
    """SQLite cannot drop a column a table CHECK names, nor add such a CHECK: rebuild pools.

    Not with Alembic's batch mode: it drops the old table and renames the new one in its
    place, and dropping a table that another references (pool_lanes, filled from it) deletes
    its rows first, which the foreign key refuses (``PRAGMA foreign_keys`` cannot be turned
    off inside the migration's transaction). Deferred instead, each deleted parent row counts
    as a violation until a row with its key is inserted again: so the rows go back into a
    new table of the same name, and the count is back to zero at COMMIT.
    """
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute(f"CREATE TABLE _pools_0011 AS {select_rows}")
    op.drop_table("pools")
    op.create_table("pools", *_pools(cursor=cursor))
    columns = COLUMNS + (", cursor" if cursor else "")
    op.execute(f"INSERT INTO pools ({columns}) SELECT {columns} FROM _pools_0011")
    op.drop_table("_pools_0011")


def upgrade() -> None:
    op.create_table(
        "pool_lanes",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("pool_id", sa.String(length=64), nullable=False),
        sa.Column("lane", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(f"lane >= 0 AND lane < {LANES}", name=op.f("ck_pool_lanes_lane_known")),
        sa.CheckConstraint("cursor >= 0", name=op.f("ck_pool_lanes_cursor_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "pool_id"], ["pools.tenant_id", "pools.id"], name=op.f("fk_pool_lanes_tenant_id_pools")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "pool_id", "lane", name=op.f("pk_pool_lanes")),
    )
    # Codes 1..cursor were issued. Lane l deals l+1, l+1+LANES, ...: it has issued those of
    # them up to cursor, (cursor - l - 1) // LANES + 1 of them (none when cursor <= l).
    for lane in range(LANES):
        op.execute(
            "INSERT INTO pool_lanes (tenant_id, pool_id, lane, cursor)"
            f" SELECT tenant_id, id, {lane}, (cursor + {LANES - 1 - lane}) / {LANES} FROM pools"
        )
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_pools_on_sqlite(cursor=False, select_rows=f"SELECT {COLUMNS} FROM pools")
    else:
        op.drop_constraint(op.f("ck_pools_cursor_within_size"), "pools", type_="check")
        op.drop_column("pools", "cursor")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_pools_on_sqlite(cursor=True, select_rows=f"SELECT {COLUMNS}, {HIGH_WATER} AS cursor FROM pools")
    else:
        op.add_column("pools", sa.Column("cursor", sa.BigInteger(), server_default="0", nullable=False))
        op.execute(f"UPDATE pools SET cursor = {HIGH_WATER}")
        op.create_check_constraint(op.f("ck_pools_cursor_within_size"), "pools", "cursor >= 0 AND cursor <= size")
    op.drop_table("pool_lanes")
