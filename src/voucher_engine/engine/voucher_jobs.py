"""Background jobs about one voucher, queued in the transaction that changes it, so a command
that commits cannot lose its job and one that rolls back leaves none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from voucher_engine.engine.base import Tx


@dataclass(frozen=True, slots=True)
class VoucherJob:
    """A background job about a voucher. Its payload gets ``voucher_id``; its key is
    ``"<kind>:<voucher id>"`` (one such job per voucher, however often it is asked for)."""

    kind: str
    run_at: datetime | None = None  # None: as soon as a worker is free
    payload: dict[str, Any] = field(default_factory=dict)


def queue_voucher_jobs(tx: Tx, voucher_id: str, jobs: Sequence[VoucherJob]) -> None:
    for job in jobs:
        tx.enqueue_job(
            job.kind, {**job.payload, "voucher_id": voucher_id}, run_at=job.run_at, key=f"{job.kind}:{voucher_id}"
        )
