"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Types spelled out here, not imported from the application, so this file never changes.
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
    )
    op.create_table(
        "campaigns",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("pool_id", sa.String(length=64), nullable=True),
        sa.Column("starts_at", TIMESTAMP, nullable=True),
        sa.Column("ends_at", TIMESTAMP, nullable=True),
        sa.Column("trigger_categories", JSON, nullable=False),
        sa.Column("distributors", JSON, nullable=False),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cap", sa.BigInteger(), nullable=True),
        sa.Column("issued", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("template", JSON, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("cap IS NULL OR issued <= cap", name=op.f("ck_campaigns_issued_within_cap")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_campaigns_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "pools",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("pattern", sa.String(length=255), nullable=True),
        sa.Column("charset", sa.String(length=255), nullable=True),
        sa.Column("size", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cursor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("low_stock_threshold", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("cursor >= 0 AND cursor <= size", name=op.f("ck_pools_cursor_within_size")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_pools_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_pools")),
    )
    op.create_table(
        "stores",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_stores_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_stores")),
    )
    op.create_table(
        "vouchers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("initial", sa.BigInteger(), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=False),
        sa.Column("held", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("windows", JSON, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=True),
        sa.Column("redeemable_at", JSON, nullable=False),
        sa.Column("taxable", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("tax_rate", sa.String(length=16), nullable=True),
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=True),
        sa.Column("campaign_id", sa.String(length=64), nullable=True),
        sa.Column("offer_id", sa.String(length=64), nullable=True),
        sa.Column("pin_hash", sa.String(length=255), nullable=True),
        sa.Column("locked_until", TIMESTAMP, nullable=True),
        sa.Column("lock_code_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("kind IN ('monetary', 'multi_use', 'single_use')", name=op.f("ck_vouchers_kind_known")),
        sa.CheckConstraint(
            "state IN ('available', 'claimed', 'reserved', 'confirmed', 'ready', 'partially_redeemed', 'redeemed', 'cancelled', 'expired', 'refund_requested', 'refunded')",
            name=op.f("ck_vouchers_state_known"),
        ),
        sa.CheckConstraint("available + held <= initial", name=op.f("ck_vouchers_balance_within_initial")),
        sa.CheckConstraint("available >= 0", name=op.f("ck_vouchers_available_not_negative")),
        sa.CheckConstraint("held >= 0", name=op.f("ck_vouchers_held_not_negative")),
        sa.CheckConstraint("initial > 0", name=op.f("ck_vouchers_initial_positive")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_vouchers_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouchers")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_vouchers_tenant_id_code")),
    )
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vouchers_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "holds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("voucher_id", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("captured", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("resolved_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'captured', 'released', 'expired')", name=op.f("ck_holds_state_known")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_holds_amount_positive")),
        sa.CheckConstraint("captured >= 0 AND captured <= amount", name=op.f("ck_holds_captured_within_amount")),
        sa.ForeignKeyConstraint(["voucher_id"], ["vouchers.id"], name=op.f("fk_holds_voucher_id_vouchers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holds_state_expires_at"), ["state", "expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_holds_voucher_id"), ["voucher_id"], unique=False)

    op.create_table(
        "ledger_entries",
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
        sa.CheckConstraint(
            "kind IN ('issue', 'redeem', 'hold', 'capture', 'release', 'expire_hold', 'reverse', 'refund', 'forfeit')",
            name=op.f("ck_ledger_entries_kind_known"),
        ),
        sa.CheckConstraint("spent >= 0", name=op.f("ck_ledger_entries_spent_not_negative")),
        sa.ForeignKeyConstraint(["voucher_id"], ["vouchers.id"], name=op.f("fk_ledger_entries_voucher_id_vouchers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("voucher_id", "seq", name=op.f("uq_ledger_entries_voucher_id_seq")),
    )
    op.create_table(
        "offers",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("denominations", JSON, nullable=False),
        sa.Column("min_value", sa.BigInteger(), nullable=True),
        sa.Column("max_value", sa.BigInteger(), nullable=True),
        sa.Column("step", sa.BigInteger(), server_default="1", nullable=False),
        sa.Column("discount_bp", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pool_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "store_id"], ["stores.tenant_id", "stores.id"], name=op.f("fk_offers_tenant_id_stores")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_offers")),
    )
    op.create_table(
        "pool_codes",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("pool_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "pool_id"], ["pools.tenant_id", "pools.id"], name=op.f("fk_pool_codes_tenant_id_pools")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "pool_id", "seq", name=op.f("pk_pool_codes")),
        sa.UniqueConstraint("tenant_id", "pool_id", "code", name=op.f("uq_pool_codes_tenant_id_pool_id_code")),
    )
    op.create_table(
        "pool_issues",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("pool_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=255), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("campaign_id", sa.String(length=64), nullable=True),
        sa.Column("attributes", JSON, nullable=False),
        sa.Column("issued_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "pool_id"], ["pools.tenant_id", "pools.id"], name=op.f("fk_pool_issues_tenant_id_pools")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "pool_id", "seq", name=op.f("pk_pool_issues")),
        sa.UniqueConstraint("tenant_id", "pool_id", "code", name=op.f("uq_pool_issues_tenant_id_pool_id_code")),
        sa.UniqueConstraint(
            "tenant_id", "pool_id", "reference", name=op.f("uq_pool_issues_tenant_id_pool_id_reference")
        ),
    )
    with op.batch_alter_table("pool_issues", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pool_issues_tenant_id_campaign_id"), ["tenant_id", "campaign_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pool_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_issues_tenant_id_campaign_id"))

    op.drop_table("pool_issues")
    op.drop_table("pool_codes")
    op.drop_table("offers")
    op.drop_table("ledger_entries")
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holds_voucher_id"))
        batch_op.drop_index(batch_op.f("ix_holds_state_expires_at"))

    op.drop_table("holds")
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vouchers_expires_at"))

    op.drop_table("vouchers")
    op.drop_table("stores")
    op.drop_table("pools")
    op.drop_table("campaigns")
    op.drop_table("tenants")
    op.drop_table("outbox")
    op.drop_table("idempotency_keys")
