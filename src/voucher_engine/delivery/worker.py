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
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from voucher_engine.clock import Clock
from voucher_engine.delivery.deliveries import ClaimedDelivery, Outcome, claim_deliveries, prepare, record, send
from voucher_engine.delivery.due import due_work
from voucher_engine.delivery.jobs import BUILTIN_JOB_HANDLERS, JobHandler, claim_jobs, run_job, schedule_periodic_jobs
from voucher_engine.delivery.leases import LeaseKeeper
from voucher_engine.delivery.relay import fan_out
from voucher_engine.delivery.settings import DeliverySettings
from voucher_engine.delivery.shaping import shapers
from voucher_engine.delivery.urls import Resolver, system_resolver
from voucher_engine.engine import Engine, EngineConfig
from voucher_engine.storage.delivery_tables import jobs as jobs_table
from voucher_engine.storage.delivery_tables import webhook_deliveries

log = logging.getLogger("voucher_engine.delivery")


@dataclass(frozen=True, slots=True)
class RoundReport:
    dispatched: int  # outbox rows fanned out
    delivered: dict[str, int]  # attempts made, by the delivery's new status
    jobs: dict[str, int]  # jobs run, by the job's new status

    @property
    def idle(self) -> bool:
        return not (self.dispatched or self.delivered or self.jobs)

    def pause_s(self, settings: DeliverySettings) -> float:
        """How long the loop waits before the next round: none while a batch came back full
        (more is waiting), ``gather_s`` after some work, ``poll_interval_s`` after none."""
        if self.idle:
            return settings.poll_interval_s
        full = settings.batch_size
        if self.dispatched >= full or sum(self.delivered.values()) >= full or sum(self.jobs.values()) >= full:
            return 0.0
        return min(settings.gather_s, settings.poll_interval_s)


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
        self.shapers = shapers(engine)  # the plugins are fixed for the engine's life: built once
        self.leases = LeaseKeeper(engine, self.settings)
        self._slots = max(1, self.settings.concurrency)
        self._pool = ThreadPoolExecutor(self._slots, thread_name_prefix="webhook")
        periodic = {k: v for k, v in self.settings.periodic_jobs.items() if k in self.handlers}
        schedule_periodic_jobs(engine, periodic)

    def run_once(self) -> RoundReport:
        """One round: dispatch, deliver, run jobs, each up to ``batch_size``; a step with
        nothing due (``due_work``, read first) takes no write transaction."""
        due = due_work(self.engine, self.handlers)
        fanned = fan_out(self.engine, limit=self.settings.batch_size, found=self.shapers) if due.events else None
        delivered = self._deliver_batch() if due.deliveries or (fanned and fanned.deliveries) else {}
        jobs: dict[str, int] = {}
        for _ in range(self.settings.batch_size if due.jobs else 0):
            # One at a time: a job is claimed only when it is about to run, and its lease is
            # renewed while it runs.
            claimed = claim_jobs(self.engine, self.settings, self.handlers, limit=1)
            if not claimed:
                break
            (job,) = claimed
            self.leases.hold(jobs_table, job.job.id, job.lease_token)
            try:
                status = run_job(self.engine, self.settings, job, self.handlers[job.job.kind])
            finally:
                self.leases.release(jobs_table, job.job.id)
            jobs[status] = jobs.get(status, 0) + 1
        return RoundReport(fanned.dispatched if fanned else 0, delivered, jobs)

    def _deliver_batch(self) -> dict[str, int]:
        """Send up to ``batch_size`` due deliveries, ``concurrency`` at a time. A delivery is
        claimed only when a sender is free to take it at once: nothing waits under this
        worker's lease in a queue while another worker could send it."""
        delivered: dict[str, int] = {}
        in_flight: set[Future[str]] = set()
        claimed_so_far, more_due = 0, True
        while True:
            free = min(self._slots - len(in_flight), self.settings.batch_size - claimed_so_far)
            if more_due and free > 0:
                claimed = claim_deliveries(self.engine, self.settings, limit=free, found=self.shapers)
                more_due = len(claimed) == free
                claimed_so_far += len(claimed)
                for delivery in claimed:
                    self.leases.hold(webhook_deliveries, delivery.id, delivery.lease_token)
                    in_flight.add(self._pool.submit(self._deliver, delivery))
            if not in_flight:
                return delivered
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                status = future.result()
                delivered[status] = delivered.get(status, 0) + 1

    def _deliver(self, claimed: ClaimedDelivery) -> str:
        try:
            ready = prepare(self.engine, self.shapers, claimed)
            outcome = ready if isinstance(ready, Outcome) else send(self.engine, self.settings, ready, self.resolve)
            return record(self.engine, self.settings, claimed, outcome, self.worker_id)
        finally:
            self.leases.release(webhook_deliveries, claimed.id)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.leases.close()


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
    to do (and after a failed round, so a database outage is not hammered), ``gather_s`` after
    one that filled none of its batches (``RoundReport.pause_s``)."""
    worker = Worker(engine, settings, handlers=handlers, worker_id=worker_id, resolve=resolve)
    try:
        while not stop.is_set():
            try:
                pause = worker.run_once().pause_s(worker.settings)
            except Exception:  # one bad round must not end the worker
                log.exception("worker round failed")
                pause = worker.settings.poll_interval_s
            if pause:
                stop.wait(pause)
    finally:
        worker.close()


def start_worker_thread(engine: Engine, *, stop: threading.Event, **kwargs: object) -> threading.Thread:
    """Run the worker inside the app process, in a daemon thread; set ``stop`` and join it to end."""
    thread = threading.Thread(
        target=run_worker,
        args=(engine,),
        kwargs={"stop": stop, **kwargs},
        name="voucher-engine-worker",
        daemon=True,
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
    prepare: Callable[[Engine], None] | None = None,
) -> int:
    """The worker as a process (``voucher-engine worker``): SIGTERM or SIGINT ends it after the
    round in progress, so no claimed delivery is dropped halfway. Returns the exit status.
    ``prepare`` is given the engine once opened (the configuration's ``Config.apply``)."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("worker: signal %s received, stopping after this round", signum)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    engine = Engine.open(url, clock=clock, config=config)
    try:
        if prepare is not None:
            prepare(engine)
        run_worker(engine, stop=stop, settings=settings, handlers=handlers, worker_id=worker_id)
    finally:
        engine.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
