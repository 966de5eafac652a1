"""Spending sessions (Jackpot's reservation sessions): a budget that reservations draw on.

``reserved <= amount`` is a check constraint as well as the condition of the one UPDATE that
reserves (``voucher_engine.engine.sessions``): the database itself refuses an overdrawn session.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, String, Table

from voucher_engine.storage.tables import metadata
from voucher_engine.storage.types import UTCDateTime

spending_sessions = Table(
    "spending_sessions",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),  # who opened it (a partner id)
    Column("reference", String(255), nullable=False),  # the owner's customer reference
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),  # minor units
    Column("reserved", BigInteger, nullable=False, server_default="0"),
    Column("subject", String(64), nullable=True),  # what the spend bought (a voucher id)
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("released_at", UTCDateTime, nullable=True),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("reserved >= 0 AND reserved <= amount", name="reserved_within_amount"),
)

__all__ = ["spending_sessions"]
