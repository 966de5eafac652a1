"""``Tx.enqueue_job``: a job queued inside a command commits with it or not at all, and a key
queues one job however often it is enqueued."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dbsupport import database_of
from voucher_engine.errors import IllegalTransition, ValidationError
from voucher_engine.storage.delivery_tables import jobs


def queued(engine) -> list[tuple[str, str | None, str | None, dict]]:
    with database_of(engine).read() as conn:
        rows = conn.execute(select(jobs.c.kind, jobs.c.tenant_id, jobs.c.key, jobs.c.payload).order_by(jobs.c.kind))
        return [tuple(r) for r in rows]


def test_a_job_commits_with_its_command_and_a_key_queues_it_once(engine, clock):
    def body(tx):
        first = tx.enqueue_job("remind", {"n": 1}, key="remind:1")
        again = tx.enqueue_job("remind", {"n": 2}, key="remind:1")  # the first one stays
        plain = tx.enqueue_job("sweep")
        return [first == again, first != plain, tx.now]

    assert engine._command("acme", "test_jobs", body, list)[:2] == [True, True]
    assert engine._command("acme", "test_jobs", lambda tx: tx.enqueue_job("remind", key="remind:1"), str)
    assert queued(engine) == [("remind", "acme", "remind:1", {"n": 1}), ("sweep", "acme", None, {})]


def test_a_command_that_fails_after_queueing_leaves_no_job(engine):
    def body(tx):
        tx.enqueue_job("remind", key="remind:2")
        raise ValidationError("changed my mind")

    with pytest.raises(ValidationError):
        engine._command("acme", "test_jobs", body, str)
    assert queued(engine) == []
    with pytest.raises(ValidationError, match="job kind"):
        engine._command("acme", "test_jobs", lambda tx: tx.enqueue_job(""), str)


def test_confirm_queues_its_jobs_in_its_own_transaction(engine):
    from voucher_engine import Money, State, VoucherJob, VoucherKind, VoucherSpec

    spec = VoucherSpec(VoucherKind.MONETARY, Money.parse("10.00", "EUR"))
    fulfil = (VoucherJob("fulfil_voucher", payload={"why": "confirmed"}),)
    voucher = engine.issue("acme", spec, state=State.RESERVED)
    confirmed = engine.confirm("acme", voucher_id=voucher.id, jobs=fulfil)
    assert confirmed.state is State.CONFIRMED
    assert queued(engine) == [
        ("fulfil_voucher", "acme", f"fulfil_voucher:{voucher.id}", {"why": "confirmed", "voucher_id": voucher.id})
    ]
    # A refused transition queues nothing: the job exists only with the state change it belongs to.
    available = engine.issue("acme", spec)
    with pytest.raises(IllegalTransition):
        engine.confirm("acme", voucher_id=available.id, jobs=fulfil)
    assert [key for _, _, key, _ in queued(engine)] == [f"fulfil_voucher:{voucher.id}"]
