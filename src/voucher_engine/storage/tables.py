"""The schema, as SQLAlchemy Core tables. Migrations (``migrations/``) create it; these
objects are what statements are built from. Invariants the engine relies on are also
constraints here, so a bug in the engine fails loudly instead of corrupting money."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from voucher_engine.domain.holds import HoldState
from voucher_engine.domain.ledger import EntryKind
from voucher_engine.domain.lifecycle import State
from voucher_engine.domain.vouchers import VoucherKind
from voucher_engine.storage.public_ids import NextPublicId
from voucher_engine.storage.types import BigId, Json, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _one_of(column: str, values: type[Enum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v.value)) for v in values)})"


tenants = Table(
    "tenants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

vouchers = Table(
    "vouchers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("code", String(255), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(24), nullable=False),
    Column("currency", String(3)),
    # Balance in minor units (monetary) or uses. initial never changes; available and held
    # only move through conditional UPDATEs that also append a ledger entry.
    Column("initial", BigInteger, nullable=False),
    Column("available", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False, server_default="0"),
    Column("seq", Integer, nullable=False, server_default="0"),  # last ledger entry's number
    Column("windows", Json, nullable=False),
    Column("expires_at", UTCDateTime),  # derived from windows, for the expiry sweep
    Column("redeemable_at", Json, nullable=False),
    Column("taxable", Boolean, nullable=False, server_default="0"),
    Column("tax_rate", String(16)),
    Column("attributes", Json, nullable=False),
    Column("holder", String(255)),
    Column("campaign_id", String(64)),
    Column("offer_id", String(64)),
    Column("pin_hash", String(255)),
    Column("locked_until", UTCDateTime),
    Column("lock_code_hash", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Assigned inside the INSERT (storage/public_ids.py). NOT NULL on PostgreSQL; on SQLite,
    # where a column added later cannot become NOT NULL without rebuilding the table, a
    # trigger refuses a NULL instead (migration 0006).
    Column("public_id", BigInteger, nullable=False, default=NextPublicId()),
    Column("third_party_id", String(255)),
    UniqueConstraint("tenant_id", "code"),
    CheckConstraint("available >= 0", name="available_not_negative"),
    CheckConstraint("held >= 0", name="held_not_negative"),
    CheckConstraint("available + held <= initial", name="balance_within_initial"),
    CheckConstraint("initial > 0", name="initial_positive"),
    CheckConstraint(_one_of("state", State), name="state_known"),
    CheckConstraint(_one_of("kind", VoucherKind), name="kind_known"),
    Index(None, "expires_at"),
    Index(None, "public_id", unique=True),
    # NULLs never collide: only vouchers that carry a third-party id are constrained.
    Index(None, "tenant_id", "third_party_id", unique=True),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("voucher_id", String(40), ForeignKey("vouchers.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("available_delta", BigInteger, nullable=False),
    Column("held_delta", BigInteger, nullable=False),
    Column("spent", BigInteger, nullable=False),
    Column("reference", String(255)),
    Column("hold_id", String(40)),
    Column("store", String(255)),
    Column("reverses_seq", Integer),  # for reversals: the entry whose spending is given back
    Column("created_at", UTCDateTime, nullable=False),  # when the entry was written
    # When it took effect: a redemption at a stated time (``at=``) records that time here;
    # every other entry the same instant as created_at.
    Column("effective_at", UTCDateTime, nullable=False),
    UniqueConstraint("voucher_id", "seq"),
    CheckConstraint("spent >= 0", name="spent_not_negative"),
    CheckConstraint(_one_of("kind", EntryKind), name="kind_known"),
)

holds = Table(
    "holds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("voucher_id", String(40), ForeignKey("vouchers.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("captured", BigInteger, nullable=False, server_default="0"),
    Column("state", String(16), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("reference", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("captured >= 0 AND captured <= amount", name="captured_within_amount"),
    CheckConstraint(_one_of("state", HoldState), name="state_known"),
    Index(None, "state", "expires_at"),
    Index(None, "voucher_id"),
)

pools = Table(
    "pools",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("pattern", String(255)),
    Column("charset", String(255)),
    # Codes are numbered 1..size as they arrive; which have been issued, pool_lanes says.
    # Imports lock this row to number densely; pops do not lock it.
    Column("size", BigInteger, nullable=False, server_default="0"),
    Column("low_stock_threshold", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
)

#: Lanes per pool: a pool's codes are dealt round-robin over this many rows, so concurrent
#: pops lock different rows (engine/pools.py). Measured with 16 threads popping one pool on
#: PostgreSQL: with 8 lanes the pops spent a fifth of their time waiting for each other's
#: lanes and ran at 0.6-0.8 of the rate with 16; with 32 no faster than with 16. Part of the
#: schema: the numbers a lane hands out follow from it, so changing it takes a migration
#: that re-deals every pool's cursors.
POOL_LANES = 16

pool_lanes = Table(
    "pool_lanes",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("pool_id", String(64), primary_key=True),
    Column("lane", Integer, primary_key=True),
    # Lane l has issued the codes numbered l+1, l+1+POOL_LANES, ... : ``cursor`` of them.
    Column("cursor", BigInteger, nullable=False, server_default="0"),
    CheckConstraint(f"lane >= 0 AND lane < {POOL_LANES}", name="lane_known"),
    CheckConstraint("cursor >= 0", name="cursor_not_negative"),
    ForeignKeyConstraint(["tenant_id", "pool_id"], ["pools.tenant_id", "pools.id"]),
)

pool_codes = Table(
    "pool_codes",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("pool_id", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("code", String(255), nullable=False),
    # Led by the code: the pool's prefix belongs to the primary key alone, so a lookup by
    # number (a pop, the issue's foreign key check) probes it whatever the statistics say
    # (migration 0012).
    UniqueConstraint("code", "tenant_id", "pool_id"),
    # No foreign key to ``pools``: it would be checked per row of every import, and halved
    # COPY's speed. Only an import writes codes, after locking its (existing) pool's row, and
    # pools are never deleted (migration 0010).
)

pool_issues = Table(
    "pool_issues",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("pool_id", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("code", String(255), nullable=False),
    Column("reference", String(255)),
    Column("campaign_id", String(64)),
    Column("attributes", Json, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    # The constraints that make "a code is issued at most once" hold whatever the code does.
    UniqueConstraint("tenant_id", "pool_id", "code"),
    UniqueConstraint("tenant_id", "pool_id", "reference"),
    # Only a code that is in the pool is issued (a check on the code's own row, which no other
    # pop touches, instead of a shared lock on the pool's row).
    ForeignKeyConstraint(
        ["tenant_id", "pool_id", "seq"], ["pool_codes.tenant_id", "pool_codes.pool_id", "pool_codes.seq"]
    ),
    Index(None, "tenant_id", "campaign_id"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("pool_id", String(64)),
    Column("starts_at", UTCDateTime),
    Column("ends_at", UTCDateTime),
    Column("trigger_categories", Json, nullable=False),
    Column("distributors", Json, nullable=False),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("cap", BigInteger),
    Column("issued", BigInteger, nullable=False, server_default="0"),
    Column("template", Json),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("cap IS NULL OR issued <= cap", name="issued_within_cap"),
)

stores = Table(
    "stores",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("url", String(1024)),
    Column("active", Boolean, nullable=False, server_default="1"),
)

offers = Table(
    "offers",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("denominations", Json, nullable=False),
    Column("min_value", BigInteger),
    Column("max_value", BigInteger),
    Column("step", BigInteger, nullable=False, server_default="1"),
    Column("discount_bp", Integer, nullable=False, server_default="0"),
    Column("pool_id", String(64)),
    Column("active", Boolean, nullable=False, server_default="1"),
    ForeignKeyConstraint(["tenant_id", "store_id"], ["stores.tenant_id", "stores.id"]),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(40), nullable=False, unique=True),
    Column("tenant_id", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("payload", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("scope", String(128), primary_key=True),  # the calling client; keys are per client
    Column("key", String(255), primary_key=True),
    Column("operation", String(64), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("response", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

__all__ = [
    "campaigns",
    "holds",
    "idempotency_keys",
    "ledger_entries",
    "metadata",
    "offers",
    "outbox",
    "pool_codes",
    "pool_issues",
    "pools",
    "stores",
    "tenants",
    "vouchers",
]
