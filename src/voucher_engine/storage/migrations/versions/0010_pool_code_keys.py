"""pool_codes without a per-row foreign key; pool_issues refer to the code they issue

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

A foreign key is checked once per inserted row (an index probe of ``pools`` and, on
PostgreSQL, a KEY SHARE lock of the pool row): a million-code COPY spent more than half its
time on it. Codes are only ever written by an import, which locks its pool's row first and
refuses a pool that is not there; pools are never deleted. So the code no longer refers to the
pool, and the issue refers to its code instead of the pool: the constraint that matters ("only
a code that is in the pool is issued"), checked on a row that no other pop touches.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pool_codes") as batch:
        batch.drop_constraint("fk_pool_codes_tenant_id_pools", type_="foreignkey")
    with op.batch_alter_table("pool_issues") as batch:
        batch.drop_constraint("fk_pool_issues_tenant_id_pools", type_="foreignkey")
        batch.create_foreign_key(
            "fk_pool_issues_tenant_id_pool_codes",
            "pool_codes",
            ["tenant_id", "pool_id", "seq"],
            ["tenant_id", "pool_id", "seq"],
        )


def downgrade() -> None:
    with op.batch_alter_table("pool_issues") as batch:
        batch.drop_constraint("fk_pool_issues_tenant_id_pool_codes", type_="foreignkey")
        batch.create_foreign_key(
            "fk_pool_issues_tenant_id_pools", "pools", ["tenant_id", "pool_id"], ["tenant_id", "id"]
        )
    with op.batch_alter_table("pool_codes") as batch:
        batch.create_foreign_key(
            "fk_pool_codes_tenant_id_pools", "pools", ["tenant_id", "pool_id"], ["tenant_id", "id"]
        )
