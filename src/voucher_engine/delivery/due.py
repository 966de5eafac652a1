"""What a worker's round will find, read before it takes any write lock.

Each step of a round (the relay, the deliveries, the jobs) claims its work in a write
transaction of its own. A round that has nothing to claim in a step now skips that step's
transaction: one read statement says which steps have work. An idle server's worker then
takes no write lock at all, and a busy one with no webhooks and no jobs due takes one a round
instead of three (on SQLite each is the file's single write lock, which every request's write
waits for). Work that becomes due between the read and the round waits for the next round, as
it would have waited had it come a moment later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, exists, false, select

from voucher_engine.delivery.deliveries import due_deliveries
from voucher_engine.delivery.jobs import due_job_terms
from voucher_engine.engine import Engine
from voucher_engine.storage.delivery_tables import jobs, outbox_pending


@dataclass(frozen=True, slots=True)
class Due:
    events: bool  # outbox rows not fanned out yet
    deliveries: bool  # deliveries due now
    jobs: bool  # jobs of the worker's kinds due now


def due_work(engine: Engine, kinds: Iterable[str]) -> Due:
    """Which steps of a round have work, in one read transaction (one statement)."""
    now = engine.clock.now()
    kinds = sorted(kinds)
    query = select(
        exists(select(outbox_pending.c.outbox_id)),
        exists(due_deliveries(now)),
        exists(select(jobs.c.id).where(*due_job_terms(kinds, now))) if kinds else false(),
    )

    def read(conn: Connection) -> Due:
        events, deliveries, due_jobs = conn.execute(query).one()
        return Due(bool(events), bool(deliveries), bool(due_jobs))

    return engine._read(read)
