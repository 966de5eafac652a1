"""identity: staff directory (public ids, phone, permission sets), access-token lifetime per
login, staff API keys, client_type statistics of the token endpoint

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Types spelled out here, not imported from the application, so this file never changes.
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _number_existing_staff_users() -> None:
    """Give users created before this revision public ids 1, 2, ... per tenant, in order of
    creation. The column stays nullable in the schema: making it NOT NULL would make SQLite
    rebuild ``staff_users``, whose DROP fails on the foreign keys of existing roles and
    families; the code assigns it on every insert."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, tenant_id FROM staff_users ORDER BY tenant_id, created_at, id")).all()
    counters: dict[str, int] = {}
    for user_id, tenant_id in rows:
        counters[tenant_id] = counters.get(tenant_id, 0) + 1
        conn.execute(
            sa.text("UPDATE staff_users SET public_id = :n WHERE id = :id"),
            {"n": counters[tenant_id], "id": user_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=64), nullable=True))
    _number_existing_staff_users()
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_users_tenant_id_public_id"), ["tenant_id", "public_id"], unique=True)

    with op.batch_alter_table("staff_roles", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column("permissions", JSON, server_default="[]", nullable=False))

    with op.batch_alter_table("token_families", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_ttl_s", sa.Integer(), nullable=True))

    op.create_table(
        "staff_api_keys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=128), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], name=op.f("fk_staff_api_keys_user_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_api_keys")),
        sa.UniqueConstraint("digest", name=op.f("uq_staff_api_keys_digest")),
    )
    with op.batch_alter_table("staff_api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_api_keys_tenant_id_user_id"), ["tenant_id", "user_id"], unique=False)

    op.create_table(
        "client_token_stats",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_type", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("last_issued_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["api_clients.id"], name=op.f("fk_client_token_stats_client_id_api_clients")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "client_id", "client_type", "day", name=op.f("pk_client_token_stats")),
    )


def downgrade() -> None:
    op.drop_table("client_token_stats")
    with op.batch_alter_table("staff_api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_api_keys_tenant_id_user_id"))
    op.drop_table("staff_api_keys")
    with op.batch_alter_table("token_families", schema=None) as batch_op:
        batch_op.drop_column("access_ttl_s")
    # Grants without a role cannot survive the old schema.
    op.execute("DELETE FROM staff_roles WHERE role IS NULL")
    with op.batch_alter_table("staff_roles", schema=None) as batch_op:
        batch_op.drop_column("permissions")
        batch_op.alter_column("role", existing_type=sa.String(length=64), nullable=False)
    # Not a batch: SQLite would rebuild staff_users, and its DROP fails on the foreign keys of
    # the rows that reference it. ALTER TABLE ... DROP COLUMN (SQLite 3.35+) does not rebuild.
    op.drop_index(op.f("ix_staff_users_tenant_id_public_id"), table_name="staff_users")
    op.drop_column("staff_users", "phone")
    op.drop_column("staff_users", "public_id")
