"""Background jobs: a table of work (kind, payload, run_at) claimed with a lease by any number
of workers, like deliveries. Handlers are registered by kind in a mapping the worker gets; a
worker claims only the kinds it has handlers for, so workers of different versions can share
one database.

Periodic jobs are rows with an ``interval_s`` and a fixed key: one row per kind however many
workers start, rescheduled after every run instead of finished.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update

from voucher_engine.delivery.backoff import retry_delay
from voucher_engine.delivery.errors import JobNotFound
from voucher_engine.delivery.fulfilment import FULFIL_VOUCHER, fulfil_voucher
from voucher_engine.delivery.models import Job
from voucher_engine.delivery.settings import DeliverySettings
from voucher_engine.delivery.sql import clip, insert_or_skip
from voucher_engine.engine import Engine
from voucher_engine.engine.base import Tx
from voucher_engine.storage.delivery_tables import jobs

log = logging.getLogger("voucher_engine.delivery")

J = jobs.c

JobHandler = Callable[[Engine, Job], object]

#: The jobs every worker can run.
BUILTIN_JOB_HANDLERS: dict[str, JobHandler] = {
    "expire_due_holds": lambda engine, job: engine.expire_due_holds(),
    "expire_due_vouchers": lambda engine, job: engine.expire_due_vouchers(),
    FULFIL_VOUCHER: fulfil_voucher,
}


def job_from_row(row: Any) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        tenant_id=row.tenant_id,
        payload=row.payload,
        key=row.key,
        status=row.status,
        run_at=row.run_at,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        last_error=row.last_error,
        finished_at=row.finished_at,
    )


class JobOperations:
    engine: Engine
    settings: DeliverySettings

    def enqueue_job(
        self,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        tenant_id: str | None = None,
        run_at: datetime | None = None,
        key: str | None = None,
        max_attempts: int | None = None,
    ) -> Job:
        """Queue a job for the workers. With a ``key``, enqueueing again returns the job already
        queued under it instead of adding a second one."""
        attempts = max_attempts if max_attempts is not None else self.settings.job_max_attempts

        def body(tx: Tx) -> Job:
            job_id = tx.enqueue_job(kind, payload, run_at=run_at, key=key, max_attempts=attempts)
            return job_from_row(tx.conn.execute(select(jobs).where(J.id == job_id)).one())

        if tenant_id is None:
            return self.engine._housekeeping(body)  # a job of the engine's own, no tenant's command
        request = {"kind": kind, "key": key, "run_at": run_at, "payload": payload}
        return self.engine._command(tenant_id, "enqueue_job", body, Job, request=request)

    def get_job(self, job_id: str) -> Job:
        row = self.engine._read(lambda conn: conn.execute(select(jobs).where(J.id == job_id)).first())
        if row is None:
            raise JobNotFound(f"no job {job_id!r}")
        return job_from_row(row)


def schedule_periodic_jobs(engine: Engine, periodic: Mapping[str, timedelta]) -> None:
    if not periodic:
        return

    def body(tx: Tx) -> None:
        tx.conn.execute(
            insert_or_skip(tx.dialect, jobs, ["key"]),
            [
                {
                    "id": engine.ids.new("job"),
                    "kind": kind,
                    "payload": {},
                    "key": f"periodic:{kind}",
                    "interval_s": max(1, int(interval.total_seconds())),
                    "status": "pending",
                    "run_at": tx.now,
                    "attempts": 0,
                    "max_attempts": 1,
                    "created_at": tx.now,
                    "updated_at": tx.now,
                }
                for kind, interval in periodic.items()
            ],
        )

    engine._housekeeping(body)


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    job: Job
    interval_s: int | None
    lease_token: str


def due_job_terms(kinds: list[str], now: datetime) -> tuple[ColumnElement[bool], ...]:
    """What makes a job of one of ``kinds`` due at ``now``: pending, its time come, no live
    lease."""
    return (
        J.status == "pending",
        J.run_at <= now,
        or_(J.lease_until.is_(None), J.lease_until <= now),
        J.kind.in_(kinds),
    )


def claim_jobs(engine: Engine, settings: DeliverySettings, kinds: Iterable[str], *, limit: int) -> list[ClaimedJob]:
    kinds = sorted(kinds)
    if not kinds:
        return []

    def body(tx: Tx) -> list[ClaimedJob]:
        conn, now = tx.conn, tx.now
        due = conn.execute(
            select(J.id, J.attempts, J.max_attempts, J.interval_s)
            .where(*due_job_terms(kinds, now))
            .order_by(J.run_at, J.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        # A job whose last attempt never finished (its worker died) has used up its attempts:
        # running it again could kill the next worker the same way.
        exhausted = [r.id for r in due if r.interval_s is None and r.attempts >= r.max_attempts]
        if exhausted:
            conn.execute(
                update(jobs)
                .where(J.id.in_(exhausted))
                .values(
                    status="failed",
                    finished_at=now,
                    updated_at=now,
                    lease_until=None,
                    lease_token=None,
                    last_error="given up: the worker running its last attempt stopped before finishing",
                )
            )
        runnable = [r.id for r in due if r.id not in exhausted]
        if not runnable:
            return []
        token = engine.ids.new("lease")
        conn.execute(
            update(jobs)
            .where(J.id.in_(runnable))
            .values(
                lease_until=now + timedelta(seconds=settings.lease_s),
                lease_token=token,
                attempts=J.attempts + 1,
                updated_at=now,
            )
        )
        rows = conn.execute(select(jobs).where(J.id.in_(runnable)).order_by(J.run_at, J.id)).all()
        return [ClaimedJob(job_from_row(r), r.interval_s, token) for r in rows]

    return engine._housekeeping(body)


def run_job(engine: Engine, settings: DeliverySettings, claimed: ClaimedJob, handler: JobHandler) -> str:
    """Run one claimed job and record how it went; returns its new status."""
    error: str | None = None
    try:
        handler(engine, claimed.job)
    except Exception as failure:  # a failing job is recorded, never kills the worker
        log.exception("job %s (%s) failed", claimed.job.id, claimed.job.kind)
        error = clip(f"{type(failure).__name__}: {failure}")
    now = engine.clock.now()
    values: dict[str, Any] = {"lease_until": None, "lease_token": None, "updated_at": now, "last_error": error}
    job = claimed.job
    if claimed.interval_s is not None:
        values.update(status="pending", attempts=0, run_at=now + timedelta(seconds=claimed.interval_s))
    elif error is None:
        values.update(status="succeeded", finished_at=now)
    else:
        delay = retry_delay(settings.retry_schedule, job.attempts, engine.random)
        if job.attempts >= job.max_attempts or delay is None:
            values.update(status="failed", finished_at=now)
        else:
            values.update(status="pending", run_at=now + delay)
    changed = engine._housekeeping(
        lambda tx: (
            tx.conn.execute(
                update(jobs).where(J.id == job.id, J.lease_token == claimed.lease_token).values(**values)
            ).rowcount
        )
    )
    if not changed:
        log.warning("job %s: lease lost before the outcome was recorded", job.id)
        return "lease_lost"
    return str(values["status"])
