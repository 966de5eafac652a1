"""holders: public and third-party voucher ids, members and their identifiers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Types spelled out here, not imported from the application, so this file never changes.
TIMESTAMP = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SEQUENCE = "voucher_public_ids"

# Existing vouchers are numbered in the order they were issued.
_NUMBERING = "SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS n FROM vouchers"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("vouchers", sa.Column("public_id", sa.BigInteger(), nullable=True))
    op.add_column("vouchers", sa.Column("third_party_id", sa.String(length=255), nullable=True))
    if sqlite:
        op.execute(
            f"UPDATE vouchers SET public_id = (SELECT n FROM ({_NUMBERING}) AS numbered "
            "WHERE numbered.id = vouchers.id)"
        )
        # SQLite cannot make an added column NOT NULL without rebuilding the table (and the
        # ledger's foreign keys point at it): a trigger refuses NULL instead.
        op.execute(
            "CREATE TRIGGER vouchers_public_id_required BEFORE INSERT ON vouchers "
            "WHEN NEW.public_id IS NULL BEGIN "
            "SELECT RAISE(ABORT, 'NOT NULL constraint failed: vouchers.public_id'); END"
        )
        op.execute(
            "CREATE TRIGGER vouchers_public_id_kept BEFORE UPDATE OF public_id ON vouchers "
            "WHEN NEW.public_id IS NULL OR NEW.public_id != OLD.public_id BEGIN "
            "SELECT RAISE(ABORT, 'a voucher keeps its public_id'); END"
        )
    else:
        op.execute(f"CREATE SEQUENCE {SEQUENCE} AS BIGINT")
        op.execute(
            f"UPDATE vouchers SET public_id = numbered.n FROM ({_NUMBERING}) AS numbered "
            "WHERE numbered.id = vouchers.id"
        )
        op.execute(f"SELECT setval('{SEQUENCE}', COALESCE((SELECT MAX(public_id) FROM vouchers), 0) + 1, false)")
        op.alter_column("vouchers", "public_id", nullable=False, server_default=sa.text(f"nextval('{SEQUENCE}')"))
        op.execute(f"ALTER SEQUENCE {SEQUENCE} OWNED BY vouchers.public_id")
    op.create_index(op.f("ix_vouchers_public_id"), "vouchers", ["public_id"], unique=True)
    op.create_index(
        op.f("ix_vouchers_tenant_id_third_party_id"), "vouchers", ["tenant_id", "third_party_id"], unique=True
    )

    op.create_table(
        "members",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_members_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
    )
    op.create_index(op.f("ix_members_tenant_id"), "members", ["tenant_id"], unique=False)
    op.create_table(
        "member_identifiers",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("member_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_identifiers_member_id_members")),
        sa.PrimaryKeyConstraint("tenant_id", "kind", "value", name=op.f("pk_member_identifiers")),
        sa.UniqueConstraint("member_id", "kind", name=op.f("uq_member_identifiers_member_id_kind")),
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_table("member_identifiers")
    op.drop_index(op.f("ix_members_tenant_id"), table_name="members")
    op.drop_table("members")
    op.drop_index(op.f("ix_vouchers_tenant_id_third_party_id"), table_name="vouchers")
    op.drop_index(op.f("ix_vouchers_public_id"), table_name="vouchers")
    if sqlite:
        op.execute("DROP TRIGGER vouchers_public_id_kept")
        op.execute("DROP TRIGGER vouchers_public_id_required")
    op.drop_column("vouchers", "third_party_id")
    op.drop_column("vouchers", "public_id")  # on PostgreSQL this drops the owned sequence too
