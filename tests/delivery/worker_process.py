"""A worker process for the tests: ``main_worker`` with the tests' settings and a clock that
may run ahead of the real one (to stand for "the lease has run out" without waiting).

    python worker_process.py URL WORKER_ID [--ahead SECONDS] [--lease SECONDS] [--renew SECONDS]
                             [--batch N] [--concurrency N]

Its webhooks carry ``user-agent: test-worker/WORKER_ID``, so a receiver can tell who sent what.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from voucher_engine.delivery import DeliverySettings, main_worker


@dataclass(frozen=True)
class AheadClock:
    ahead: timedelta

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("worker_id")
    parser.add_argument("--ahead", type=float, default=0.0)
    parser.add_argument("--lease", type=float, default=60.0)
    parser.add_argument("--renew", type=float, default=None)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = DeliverySettings(
        allowed_networks=("127.0.0.1/32",),
        periodic_jobs={},
        concurrency=args.concurrency,
        lease_s=args.lease,
        lease_renew_s=args.renew,
        user_agent=f"test-worker/{args.worker_id}",
        batch_size=args.batch,
        poll_interval_s=0.05,
    )
    return main_worker(
        args.url, settings=settings, clock=AheadClock(timedelta(seconds=args.ahead)), worker_id=args.worker_id
    )


if __name__ == "__main__":
    raise SystemExit(main())
