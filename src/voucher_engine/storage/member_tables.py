"""Members: a tenant's holders, each with a stable integer id and several identifiers.

``(tenant_id, kind, value)`` is the primary key of ``member_identifiers``: the database itself
refuses to give one identifier to two members, whatever races the engine loses. ``UNIQUE
(member_id, kind)`` keeps one value per kind per member.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint

from voucher_engine.storage.tables import metadata
from voucher_engine.storage.types import BigId, UTCDateTime

members = Table(
    "members",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "tenant_id"),
)

member_identifiers = Table(
    "member_identifiers",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("kind", String(64), primary_key=True),
    Column("value", String(255), primary_key=True),
    Column("member_id", BigId, ForeignKey("members.id"), nullable=False),
    UniqueConstraint("member_id", "kind"),
)

__all__ = ["member_identifiers", "members"]
