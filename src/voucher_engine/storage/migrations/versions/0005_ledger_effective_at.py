"""ledger: effective_at (a redemption at a stated time), the reinstate entry kind

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Types and the table spelled out here, not imported from the application, so this file
# never changes.
TIMESTAMP = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = "'issue', 'redeem', 'hold', 'capture', 'release', 'expire_hold', 'reverse', 'refund', 'forfeit'"
KINDS_0005 = KINDS + ", 'reinstate'"


def _ledger(kinds: str, *, effective_at: bool) -> sa.Table:
    """ledger_entries as it is before a batch step: SQLite rebuilds the table from this."""
    extra = [sa.Column("effective_at", TIMESTAMP, nullable=True)] if effective_at else []
    return sa.Table(
        "ledger_entries",
        sa.MetaData(),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("voucher_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("available_delta", sa.BigInteger(), nullable=False),
        sa.Column("held_delta", sa.BigInteger(), nullable=False),
        sa.Column("spent", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("hold_id", sa.String(length=40), nullable=True),
        sa.Column("store", sa.String(length=255), nullable=True),
        sa.Column("reverses_seq", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        *extra,
        sa.CheckConstraint(f"kind IN ({kinds})", name="ck_ledger_entries_kind_known"),
        sa.CheckConstraint("spent >= 0", name="ck_ledger_entries_spent_not_negative"),
        sa.ForeignKeyConstraint(["voucher_id"], ["vouchers.id"], name="fk_ledger_entries_voucher_id_vouchers"),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.UniqueConstraint("voucher_id", "seq", name="uq_ledger_entries_voucher_id_seq"),
    )


def upgrade() -> None:
    op.add_column("ledger_entries", sa.Column("effective_at", TIMESTAMP, nullable=True))
    # Every entry written so far took effect when it was written.
    op.execute("UPDATE ledger_entries SET effective_at = created_at")
    with op.batch_alter_table("ledger_entries", copy_from=_ledger(KINDS, effective_at=True)) as batch:
        batch.alter_column("effective_at", existing_type=TIMESTAMP, nullable=False)
        batch.drop_constraint(op.f("ck_ledger_entries_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_ledger_entries_kind_known"), f"kind IN ({KINDS_0005})")


def downgrade() -> None:
    # A reinstate entry cannot be expressed before 0005: refuse rather than lose ledger rows.
    with op.batch_alter_table("ledger_entries", copy_from=_ledger(KINDS_0005, effective_at=True)) as batch:
        batch.drop_constraint(op.f("ck_ledger_entries_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_ledger_entries_kind_known"), f"kind IN ({KINDS})")
        batch.drop_column("effective_at")
