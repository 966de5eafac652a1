"""Tables of the delivery side: webhook endpoints, the fan-out of outbox events into
deliveries, the attempt log, and background jobs.

The engine's ``outbox`` is never updated: which events have been fanned out is recorded here,
in ``outbox_dispatch``, one row per dispatched outbox row (its primary key is what makes a
second fan-out of the same event impossible, whatever the claimers do). Which are still to be
fanned out is ``outbox_pending``: a row per outbox row, written by a trigger on ``outbox``
(migration 0013) in the transaction that writes the event, deleted by the relay that fans it
out. The relay reads the queue, not the outbox's whole history.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from voucher_engine.storage.tables import metadata
from voucher_engine.storage.types import BigId, Json, UTCDateTime

DELIVERY_STATES = ("pending", "succeeded", "failed")
JOB_STATES = ("pending", "succeeded", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("url", String(2048), nullable=False),
    # Kept as issued ("whsec_" + base64): an HMAC key must be usable, so it cannot be hashed.
    Column("secret", String(128), nullable=False),
    # After a rotation the old secret also signs until it expires, so receivers can switch over.
    Column("previous_secret", String(128)),
    Column("previous_secret_until", UTCDateTime),
    Column("event_types", Json),  # a list of event types; NULL means every event
    Column("description", String(255), nullable=False, server_default=""),
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("disabled_reason", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The provider whose ``webhooks`` shapes what this endpoint receives; NULL: the core's shape.
    Column("provider", String(64)),
    Index(None, "tenant_id"),
)

outbox_dispatch = Table(
    "outbox_dispatch",
    metadata,
    Column("outbox_id", BigId, ForeignKey("outbox.id"), primary_key=True),
    Column("deliveries", Integer, nullable=False),
    Column("dispatched_at", UTCDateTime, nullable=False),
)

# No foreign key: the trigger writes the row with its outbox row, and a key would cost every
# event a check (a trigger of its own on PostgreSQL) for what the trigger already guarantees.
outbox_pending = Table(
    "outbox_pending",
    metadata,
    Column("outbox_id", BigId, primary_key=True, autoincrement=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("endpoint_id", String(40), ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("outbox_id", BigId, ForeignKey("outbox.id"), nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),  # numbers the attempt log
    Column("failures", Integer, nullable=False, server_default="0"),  # since the last (re)schedule
    Column("next_attempt_at", UTCDateTime),
    Column("lease_until", UTCDateTime),
    Column("lease_token", String(64)),
    Column("last_status_code", Integer),
    Column("last_error", String(1024)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    # The ``data`` a provider shaped for this endpoint (``event_type`` is then its name too);
    # NULL: the outbox row's payload. Shaped once, at fan-out, so every attempt sends the same.
    Column("payload", Json),
    UniqueConstraint("endpoint_id", "outbox_id"),
    CheckConstraint(_one_of("status", DELIVERY_STATES), name="status_known"),
    Index(None, "status", "next_attempt_at"),
    Index(None, "tenant_id", "event_id"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("delivery_id", String(40), ForeignKey("webhook_deliveries.id"), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("worker_id", String(128), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("status_code", Integer),
    Column("error", String(1024)),
    Column("response_excerpt", String(1024)),
    UniqueConstraint("delivery_id", "attempt"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("tenant_id", String(64)),
    Column("payload", Json, nullable=False),
    # A job enqueued twice under one key is one job (fulfilment of one voucher, a periodic sweep).
    Column("key", String(255), unique=True),
    Column("interval_s", Integer),  # periodic jobs are rescheduled instead of finished
    Column("status", String(16), nullable=False),
    Column("run_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime),
    Column("lease_token", String(64)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False),
    Column("last_error", String(1024)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    CheckConstraint(_one_of("status", JOB_STATES), name="status_known"),
    CheckConstraint("max_attempts > 0", name="max_attempts_positive"),
    Index(None, "status", "run_at"),
)

__all__ = ["jobs", "outbox_dispatch", "outbox_pending", "webhook_attempts", "webhook_deliveries", "webhook_endpoints"]
