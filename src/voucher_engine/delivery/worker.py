"""The worker: in rounds, fan out the outbox, send due deliveries, run due jobs.

Run it in a thread of the app process (``start_worker_thread``) or as its own process
(``main_worker``, behind ``voucher-engine worker``); any number of workers may share one
database, as everything they take is claimed with a lease.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from voucher_engine.clock import Clock
from voucher_engine.delivery.deliveries import ClaimedDelivery, claim_deliveries, record, send
from voucher_engine.delivery.jobs import BUILTIN_JOB_HANDLERS, JobHandler, claim_jobs, run_job, schedule_periodic_jobs
from voucher_engine.delivery.relay import dispatch_outbox
from voucher_engine.delivery.settings import DeliverySettings
from voucher_engine.delivery.urls import Resolver, system_resolver
from voucher_engine.engine import Engine, EngineConfig

log = logging.getLogger("voucher_engine.delivery")


@dataclass(frozen=True, slots=True)
class RoundReport:
    dispatched: int  # outbox rows fanned out
    delivered: dict[str, int]  # attempts made, by the delivery's new status
    jobs: dict[str, int]  # jobs run, by the job's new status

    @property
    def idle(self) -> bool:
        return not (self.dispatched or self.delivered or self.jobs)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Worker:
    def __init__(
        self,
        engine: Engine,
        settings: DeliverySettings | None = None,
        *,
        handlers: Mapping[str, JobHandler] | None = None,
        worker_id: str | None = None,
        resolve: Resolver = system_resolver,
    ) -> None:
        self.engine = engine
        self.settings = settings or DeliverySettings()
        self.handlers = {**BUILTIN_JOB_HANDLERS, **engine.hooks.job_handlers(), **(handlers or {})}
        self.worker_id = (worker_id or default_worker_id())[:128]
        self.resolve = resolve
        self._pool = ThreadPoolExecutor(max(1, self.settings.concurrency), thread_name_prefix="webhook")
        periodic = {k: v for k, v in self.settings.periodic_jobs.items() if k in self.handlers}
        schedule_periodic_jobs(engine, periodic)

    def run_once(self) -> RoundReport:
        """One round: dispatch, deliver, run jobs, each up to ``batch_size``."""
        dispatched = dispatch_outbox(self.engine, limit=self.settings.batch_size)
        delivered: dict[str, int] = {}
        claimed = claim_deliveries(self.engine, self.settings, limit=self.settings.batch_size)
        for status in self._pool.map(self._deliver, claimed):
            delivered[status] = delivered.get(status, 0) + 1
        jobs: dict[str, int] = {}
        for job in claim_jobs(self.engine, self.settings, self.handlers, limit=self.settings.batch_size):
            status = run_job(self.engine, self.settings, job, self.handlers[job.job.kind])
            jobs[status] = jobs.get(status, 0) + 1
        return RoundReport(dispatched, delivered, jobs)

    def _deliver(self, claimed: ClaimedDelivery) -> str:
        outcome = send(self.engine, self.settings, claimed, self.resolve)
        return record(self.engine, self.settings, claimed, outcome, self.worker_id)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def run_worker(
    engine: Engine,
    *,
    stop: threading.Event,
    settings: DeliverySettings | None = None,
    handlers: Mapping[str, JobHandler] | None = None,
    worker_id: str | None = None,
    resolve: Resolver = system_resolver,
) -> None:
    """Run rounds until ``stop`` is set, waiting ``poll_interval_s`` after a round with nothing
    to do (and after a failed round, so a database outage is not hammered)."""
    worker = Worker(engine, settings, handlers=handlers, worker_id=worker_id, resolve=resolve)
    try:
        while not stop.is_set():
            try:
                idle = worker.run_once().idle
            except Exception:  # one bad round must not end the worker
                log.exception("worker round failed")
                idle = True
            if idle:
                stop.wait(worker.settings.poll_interval_s)
    finally:
        worker.close()


def start_worker_thread(engine: Engine, *, stop: threading.Event, **kwargs: object) -> threading.Thread:
    """Run the worker inside the app process, in a daemon thread; set ``stop`` and join it to end."""
    thread = threading.Thread(
        target=run_worker, args=(engine,), kwargs={"stop": stop, **kwargs},
        name="voucher-engine-worker", daemon=True,
    )
    thread.start()
    return thread


def main_worker(
    url: str,
    *,
    settings: DeliverySettings | None = None,
    handlers: Mapping[str, JobHandler] | None = None,
    clock: Clock | None = None,
    config: EngineConfig | None = None,
    worker_id: str | None = None,
) -> int:
    """The worker as a process (``voucher-engine worker``): SIGTERM or SIGINT ends it after the
    round in progress, so no claimed delivery is dropped halfway. Returns the exit status."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("worker: signal %s received, stopping after this round", signum)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    engine = Engine.open(url, clock=clock, config=config)
    try:
        run_worker(engine, stop=stop, settings=settings, handlers=handlers, worker_id=worker_id)
    finally:
        engine.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
