"""The relay: fan outbox events out into one delivery per (event, matching enabled endpoint).

The events still to fan out are queued in ``outbox_pending`` (a trigger on ``outbox`` writes a
row there in the transaction that writes the event, migration 0013); a round takes a batch
from that queue, so its cost does not grow with the outbox's history. Claiming is one write
transaction that also does the fan-out and deletes the batch from the queue, so the row locks
are the lease: a relay that dies mid-way rolls back and leaves the rows for the next one. On
PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets several relays take disjoint batches; on SQLite the
``BEGIN IMMEDIATE`` write transaction serialises them. Either way the primary key of
``outbox_dispatch`` has the last word: a row whose dispatch row another relay has just
committed is skipped (``ON CONFLICT DO NOTHING ... RETURNING``), never fanned out twice.
A queue row becomes visible when its event commits, however late: no paging cursor
(``id > last_seen``) could say that, as ids commit out of order.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select

from voucher_engine.delivery.endpoints import endpoint_from_row
from voucher_engine.delivery.shaping import Shaper, fanned_out, shapers
from voucher_engine.delivery.sql import insert_or_skip
from voucher_engine.engine import Engine, StoredEvent
from voucher_engine.engine.base import Tx
from voucher_engine.storage.delivery_tables import (
    outbox_dispatch,
    outbox_pending,
    webhook_deliveries,
    webhook_endpoints,
)
from voucher_engine.storage.tables import outbox

O = outbox.c  # noqa: E741 - one capital letter per table's columns, as in every engine module
E = webhook_endpoints.c
P = outbox_pending.c
log = logging.getLogger("voucher_engine.delivery")

# Dequeued in one statement, through the queue's own index (no look at the outbox's history);
# the events then by primary key.
_dequeue = (
    delete(outbox_pending)
    .where(
        P.outbox_id.in_(
            select(P.outbox_id)
            .order_by(P.outbox_id)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .returning(P.outbox_id)
)
_events_by_id = select(outbox).where(O.id.in_(bindparam("ids", expanding=True))).order_by(O.id)


def dispatch_outbox(engine: Engine, *, limit: int = 100, found: dict[str, Shaper] | None = None) -> int:
    """Fan out up to ``limit`` undispatched outbox rows; returns how many were dispatched.
    ``found``: the providers' shapers (a worker builds them once; by default, now)."""
    return fan_out(engine, limit=limit, found=found).dispatched


@dataclass(frozen=True, slots=True)
class FanOut:
    dispatched: int  # outbox rows fanned out
    deliveries: int  # deliveries created for them


def fan_out(engine: Engine, *, limit: int = 100, found: dict[str, Shaper] | None = None) -> FanOut:
    """``dispatch_outbox``, telling also how many deliveries it created (a worker sends them in
    the same round)."""
    found = shapers(engine) if found is None else found

    def body(tx: Tx) -> FanOut:
        conn, now, dialect = tx.conn, tx.now, tx.dialect
        ids = sorted(conn.execute(_dequeue, {"limit": limit}).scalars())
        if not ids:
            return FanOut(0, 0)
        rows = conn.execute(_events_by_id, {"ids": ids}).all()
        endpoints = defaultdict(list)
        for row in conn.execute(
            select(webhook_endpoints).where(E.tenant_id.in_({r.tenant_id for r in rows}), E.enabled.is_(True))
        ):
            endpoints[row.tenant_id].append(endpoint_from_row(row))
        targets = {r.id: [e for e in endpoints[r.tenant_id] if e.wants(r.type)] for r in rows}
        claimed = set(
            conn.execute(
                insert_or_skip(dialect, outbox_dispatch, ["outbox_id"]).returning(outbox_dispatch.c.outbox_id),
                [{"outbox_id": r.id, "deliveries": len(targets[r.id]), "dispatched_at": now} for r in rows],
            ).scalars()
        )
        deliveries = [
            {
                "id": engine.ids.new("dlv"),
                "tenant_id": r.tenant_id,
                "endpoint_id": e.id,
                "outbox_id": r.id,
                "event_id": r.event_id,
                **shape,
                "status": "pending",
                "attempts": 0,
                "failures": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for r in rows
            if r.id in claimed
            for e in targets[r.id]
            if (shape := fanned_out(engine, found, e.provider, r)) is not None
        ]
        if deliveries:
            # A manual redelivery of the event may have created some already.
            conn.execute(insert_or_skip(dialect, webhook_deliveries, ["endpoint_id", "outbox_id"]), deliveries)
        # Observers run before this dispatch commits: should it roll back or the process die,
        # the rows stay undispatched and are observed again -- at least once, never never.
        for r in rows:
            if r.id in claimed:
                event = StoredEvent(r.id, r.event_id, r.tenant_id, r.type, r.subject_id, r.payload, r.created_at)
                for failure in engine.hooks.event_committed(event):
                    log.error("observer of %s %s failed: %r", r.type, r.event_id, failure)
        return FanOut(len(claimed), len(deliveries))

    return engine._housekeeping(body)
