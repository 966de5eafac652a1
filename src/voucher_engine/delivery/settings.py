"""Settings of webhook delivery and the worker, with the defaults a deployment starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

#: The ceiling of each wait before the next attempt (full jitter draws between zero and it).
#: Nine retries after the first attempt, ending at most 75 h 35 min 5 s (about three days) later.
DEFAULT_RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    #: Deliver to private, loopback, link-local ... addresses too. Off: webhook URLs are
    #: given by tenants, and without this guard they could make the engine probe its own network.
    allow_private_addresses: bool = False
    #: Networks allowed despite the guard, e.g. ``("127.0.0.1/32",)`` for a receiver on the host.
    allowed_networks: tuple[str, ...] = ()
    retry_schedule: tuple[timedelta, ...] = DEFAULT_RETRY_SCHEDULE
    #: Socket timeout of one delivery (connect, and each read).
    request_timeout_s: float = 10.0
    #: How long a claimed delivery or job belongs to its worker unless renewed. The worker
    #: renews it every ``lease_renew_s`` while working on it, so a live worker keeps it however
    #: long the work takes; after a worker dies, another takes the work within this time.
    lease_s: float = 60.0
    #: How often a worker renews the leases it holds (None: a third of ``lease_s``).
    lease_renew_s: float | None = None
    #: How long the old secret keeps signing after a rotation (0: it stops at once).
    secret_grace: timedelta = timedelta(hours=24)
    #: Outbox rows fanned out, deliveries sent, jobs run: at most this many per round each.
    batch_size: int = 50
    #: Deliveries sent in parallel by one worker.
    concurrency: int = 4
    #: Seconds the worker loop waits after a round that found nothing to do.
    poll_interval_s: float = 1.0
    #: Seconds it waits after a round that found some work but filled none of its batches, so
    #: that work arriving steadily is taken in batches: without it, under load the worker ran
    #: a round (three transactions) for every event or two, as much CPU as the requests that
    #: made them. A webhook waits at most this much longer.
    gather_s: float = 0.05
    #: Attempts of a background job before it is given up.
    job_max_attempts: int = 5
    #: Built-in periodic jobs (kind -> interval); an empty mapping schedules none.
    periodic_jobs: dict[str, timedelta] = field(
        default_factory=lambda: {
            "expire_due_holds": timedelta(seconds=30),
            "expire_due_vouchers": timedelta(minutes=5),
        }
    )
    user_agent: str = "voucher-engine-webhooks/1"

    def __post_init__(self) -> None:
        if not 0 < self.renew_every_s < self.lease_s:
            raise ValueError("lease_renew_s must be positive and shorter than lease_s")

    @property
    def renew_every_s(self) -> float:
        return self.lease_s / 3 if self.lease_renew_s is None else self.lease_renew_s
