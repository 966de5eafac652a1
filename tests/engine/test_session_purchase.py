"""``Engine.buy_with_session``: the spend, the voucher it buys and the voucher's jobs are one
transaction. Whatever fails after the spend -- a veto of the issue, a bad job, a process killed
half-way -- leaves the session open and unspent, with no voucher, job or event behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dbsupport import database_of
from voucher_engine import Engine, EngineConfig, Money, State, VoucherJob, VoucherKind, VoucherSpec
from voucher_engine.errors import SessionEnded, ValidationError, Vetoed
from voucher_engine.hookspecs import hookimpl
from voucher_engine.plugins import PluginSettings
from voucher_engine.storage.delivery_tables import jobs

PRICE = Money(2_375, "EUR")
SPEC = VoucherSpec(VoucherKind.MONETARY, value=Money(2_500, "EUR"))


class RefuseIssues:
    """A veto plugin that refuses every issue: inside ``buy_with_session`` that is *after* the
    session was spent, in the same transaction."""

    @hookimpl
    def voucher_engine_veto_command(self, command):
        return "no issuing today" if command.operation == "issue" else None


def open_session(engine: Engine, clock, session_id: str = "s1"):
    return engine.open_session(
        "acme",
        session_id,
        owner="partner",
        reference="customer-7",
        amount=Money(5_000, "EUR"),
        expires_at=clock.now() + timedelta(hours=1),
    )


def job_count(engine: Engine) -> int:
    with database_of(engine).read() as conn:
        return conn.execute(select(func.count()).select_from(jobs)).scalar_one()


def assert_nothing_bought(engine: Engine, session_id: str = "s1") -> None:
    session = engine.get_session("acme", session_id)
    assert (session.reserved, session.ended_at, session.subject) == (Money(0, "EUR"), None, None)
    assert engine.stats("acme")["vouchers"] == {}
    assert engine.events("acme") == []
    assert job_count(engine) == 0


def test_buying_spends_issues_and_queues_in_one_go(engine, clock):
    open_session(engine, clock)
    due = clock.now() + timedelta(minutes=30)

    voucher = engine.buy_with_session(
        "acme",
        "s1",
        SPEC,
        price=PRICE,
        state=State.RESERVED,
        holder="customer-7",
        jobs=(VoucherJob("expire_reservation", run_at=due, payload={"why": "unconfirmed"}),),
    )

    assert (voucher.state, voucher.initial, voucher.holder) == (State.RESERVED, 2_500, "customer-7")
    session = engine.get_session("acme", "s1")
    assert (session.reserved, session.subject, session.ended_at) == (PRICE, voucher.id, clock.now())
    assert [e.type for e in engine.events("acme")] == ["voucher.issued"]
    with database_of(engine).read() as conn:
        job = conn.execute(select(jobs)).one()
    assert (job.kind, job.tenant_id, job.key, job.run_at, job.payload) == (
        "expire_reservation",
        "acme",
        f"expire_reservation:{voucher.id}",
        due,
        {"why": "unconfirmed", "voucher_id": voucher.id},
    )
    with pytest.raises(SessionEnded):  # the spend ended the session
        engine.buy_with_session("acme", "s1", SPEC, price=Money(1, "EUR"))


def test_a_veto_after_the_spend_rolls_the_whole_purchase_back(database_url, clock):
    engine = Engine.open(
        database_url,
        clock=clock,
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(RefuseIssues(),)),
    )
    try:
        engine.create_tenant("acme")
        open_session(engine, clock)
        with pytest.raises(Vetoed, match="no issuing today"):
            engine.buy_with_session("acme", "s1", SPEC, price=PRICE, jobs=(VoucherJob("expire_reservation"),))
        assert_nothing_bought(engine)
    finally:
        engine.close()


def test_a_failure_after_the_issue_rolls_the_whole_purchase_back(engine, clock):
    open_session(engine, clock)
    # The job is refused last, after the spend and the issue have written their rows.
    with pytest.raises(ValidationError, match="job kind"):
        engine.buy_with_session("acme", "s1", SPEC, price=PRICE, jobs=(VoucherJob("x" * 65),))
    assert_nothing_bought(engine)
    # And the session is still good for a purchase.
    assert engine.buy_with_session("acme", "s1", SPEC, price=PRICE).state is State.AVAILABLE


CHILD = textwrap.dedent("""
    import sys
    from voucher_engine import Engine, EngineConfig, ManualClock, Money, VoucherJob, VoucherKind, VoucherSpec
    from voucher_engine.hookspecs import hookimpl
    from voucher_engine.plugins import PluginSettings

    class StopInsideTheTransaction:
        @hookimpl
        def voucher_engine_veto_command(self, command):
            if command.operation == "issue":  # the session is spent, not yet committed
                print("spent", flush=True)
                sys.stdin.readline()  # wait here until killed
            return None

    engine = Engine.open(sys.argv[1], clock=ManualClock(), config=EngineConfig(auto_migrate=False),
                         plugins=PluginSettings(load_entry_points=False, extra=(StopInsideTheTransaction(),)))
    engine.buy_with_session("acme", "s1", VoucherSpec(VoucherKind.MONETARY, value=Money(2500, "EUR")),
                            price=Money(2375, "EUR"), jobs=(VoucherJob("expire_reservation"),))
    print("committed", flush=True)
""")


def test_a_process_killed_between_spend_and_issue_leaves_the_session_unspent(engine, clock, database_url):
    open_session(engine, clock)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        said = child.stdout.readline()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()  # a no-op after the SIGKILL; stops a child that never got that far
        child.wait(timeout=30)
    assert said == "spent\n"
    assert child.returncode == -signal.SIGKILL
    assert_nothing_bought(engine)
    # The killed transaction let go of the session: the next purchase goes through.
    assert engine.buy_with_session("acme", "s1", SPEC, price=PRICE).state is State.AVAILABLE
