"""Background jobs: enqueue, run by kind, retry and give up, periodic expiry sweeps, and
several claimers at once (real threads, both backends): every job runs exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

from voucher_engine import HoldState, Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import DEFAULT_RETRY_SCHEDULE, DeliverySettings, Webhooks, Worker
from voucher_engine.delivery.jobs import claim_jobs
from voucher_engine.testing import LOOPBACK


def test_a_job_runs_once_with_its_payload(engine):
    ran = []
    worker = Worker(
        engine, LOOPBACK, handlers={"fulfil": lambda eng, job: ran.append((job.kind, job.payload, job.tenant_id))}
    )
    job = Webhooks(engine, LOOPBACK).enqueue_job("fulfil", {"voucher_id": "v1"}, tenant_id="acme")
    assert job.status == "pending"

    assert worker.run_once().jobs == {"succeeded": 1}
    assert worker.run_once().idle
    assert ran == [("fulfil", {"voucher_id": "v1"}, "acme")]
    done = Webhooks(engine, LOOPBACK).get_job(job.id)
    assert (done.status, done.attempts, done.last_error) == ("succeeded", 1, None)


def test_a_key_makes_enqueueing_idempotent(engine):
    webhooks = Webhooks(engine, LOOPBACK)
    first = webhooks.enqueue_job("fulfil", {"n": 1}, key="fulfil:v1")
    second = webhooks.enqueue_job("fulfil", {"n": 2}, key="fulfil:v1")
    assert second.id == first.id and second.payload == {"n": 1}


def test_run_at_in_the_future_waits(engine, clock):
    ran = []
    worker = Worker(engine, LOOPBACK, handlers={"later": lambda eng, job: ran.append(job.id)})
    job = Webhooks(engine, LOOPBACK).enqueue_job("later", run_at=clock.now() + timedelta(minutes=10))
    assert worker.run_once().idle
    clock.advance(timedelta(minutes=10))
    worker.run_once()
    assert ran == [job.id]


def test_a_worker_claims_only_kinds_it_can_run(engine):
    webhooks = Webhooks(engine, LOOPBACK)
    job = webhooks.enqueue_job("unknown_kind")
    assert Worker(engine, LOOPBACK).run_once().idle
    assert webhooks.get_job(job.id).attempts == 0


def test_a_failing_job_is_retried_with_backoff_then_given_up(engine, clock):
    def broken(eng, job):
        raise RuntimeError(f"boom {job.attempts}")

    webhooks = Webhooks(engine, LOOPBACK)
    worker = Worker(engine, LOOPBACK, handlers={"broken": broken})
    job = webhooks.enqueue_job("broken", max_attempts=3)

    assert worker.run_once().jobs == {"pending": 1}
    retry = webhooks.get_job(job.id)
    assert (retry.attempts, retry.last_error) == (1, "RuntimeError: boom 1")
    assert clock.now() <= retry.run_at <= clock.now() + DEFAULT_RETRY_SCHEDULE[0]
    clock.advance(DEFAULT_RETRY_SCHEDULE[0])
    assert worker.run_once().jobs == {"pending": 1}
    clock.advance(DEFAULT_RETRY_SCHEDULE[1])
    assert worker.run_once().jobs == {"failed": 1}
    failed = webhooks.get_job(job.id)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 3, "RuntimeError: boom 3")


def test_a_job_whose_worker_died_on_its_last_attempt_is_given_up(engine, clock):
    webhooks = Webhooks(engine, LOOPBACK)
    job = webhooks.enqueue_job("crashy", max_attempts=1)
    (claimed,) = claim_jobs(engine, LOOPBACK, ["crashy"], limit=10)  # ... and the worker dies
    assert claimed.job.id == job.id
    assert claim_jobs(engine, LOOPBACK, ["crashy"], limit=10) == []  # leased
    clock.advance(timedelta(seconds=LOOPBACK.lease_s))
    assert claim_jobs(engine, LOOPBACK, ["crashy"], limit=10) == []
    assert webhooks.get_job(job.id).status == "failed"


def test_periodic_sweeps_expire_holds_and_vouchers(engine, clock):
    settings = DeliverySettings(
        periodic_jobs={"expire_due_holds": timedelta(seconds=30), "expire_due_vouchers": timedelta(minutes=5)}
    )
    voucher = engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("50.00", "EUR")))
    hold = engine.hold("acme", code=voucher.code, amount=Money.parse("5.00", "EUR"), ttl=timedelta(minutes=1))
    worker = Worker(engine, settings)
    Worker(engine, settings)  # a second worker does not schedule the sweeps twice

    assert worker.run_once().jobs == {"pending": 2}  # ran, and rescheduled
    assert engine.get_hold("acme", hold.hold_id).state == HoldState.PENDING
    clock.advance(timedelta(seconds=29))
    assert worker.run_once().jobs == {}
    clock.advance(timedelta(minutes=1))
    assert worker.run_once().jobs == {"pending": 1}  # only the 30 s sweep is due
    assert engine.get_hold("acme", hold.hold_id).state == HoldState.EXPIRED
    assert len(engine.events("acme", type="hold.expired")) == 1


def test_parallel_claimers_run_every_job_exactly_once(engine):
    ran: list[str] = []
    lock = threading.Lock()

    def record(eng, job):
        with lock:
            ran.append(job.id)

    webhooks = Webhooks(engine, LOOPBACK)
    ids = {webhooks.enqueue_job("count", {"n": n}).id for n in range(60)}
    settings = DeliverySettings(periodic_jobs={}, batch_size=3)
    start = threading.Barrier(4)

    def claimer() -> None:
        worker = Worker(engine, settings, handlers={"count": record})
        start.wait()
        while not worker.run_once().idle:
            pass

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ran) == sorted(ids)  # all ran, none twice


def test_the_fulfilment_job_makes_a_confirmed_voucher_ready_once(engine):
    from voucher_engine import CodeFormat, Offer, State, Store
    from voucher_engine.delivery.fulfilment import FULFIL_VOUCHER

    engine.put_store(Store("s1", "acme", "Store one"))
    engine.create_pool("acme", "gift", code_format=CodeFormat("GIFT-######"))
    engine.generate_codes("acme", "gift", 3)
    engine.put_offer(Offer("o1", "acme", "s1", "Ten", "EUR", denominations=(1000,), pool_id="gift"))
    reserved = engine.issue(
        "acme", VoucherSpec(VoucherKind.MONETARY, Money(1000, "EUR")), state=State.RESERVED, offer_id="o1"
    )
    engine.confirm("acme", voucher_id=reserved.id)
    webhooks = Webhooks(engine, LOOPBACK)
    webhooks.enqueue_job(FULFIL_VOUCHER, {"voucher_id": reserved.id}, tenant_id="acme")
    webhooks.enqueue_job(FULFIL_VOUCHER, {"voucher_id": reserved.id}, tenant_id="acme")  # a duplicate

    assert Worker(engine, LOOPBACK).run_once().jobs == {"succeeded": 2}
    ready = engine.get_voucher("acme", voucher_id=reserved.id)
    assert ready.state is State.READY
    assert ready.code == next(c.code for c in engine.export_codes("acme", "gift") if c.reference == reserved.id)
    assert engine.pool_status("acme", "gift").issued == 1
    assert len(engine.events("acme", type="voucher.ready")) == 1
