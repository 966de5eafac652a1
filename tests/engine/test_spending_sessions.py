"""Spending sessions, the engine operations under Jackpot's reservation sessions: a spend never
takes a session past its amount, with 16 threads spending on one session at once, on both
databases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from voucher_engine import Money
from voucher_engine.errors import (
    SessionAmountExceeded,
    SessionEnded,
    SessionExpired,
    SessionNotFound,
    VoucherEngineError,
)

THREADS = 16


def run_together(count: int, action) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except VoucherEngineError as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def open_session(engine, clock, session_id: str, minor: int):
    return engine.open_session(
        "acme",
        session_id,
        owner="p",
        reference="c",
        amount=Money(minor, "EUR"),
        expires_at=clock.now() + timedelta(hours=1),
    )


def test_parallel_spends_never_exceed_the_amount(engine, clock):
    open_session(engine, clock, "s1", 10_000)
    results = run_together(
        THREADS, lambda i: engine.spend_session("acme", "s1", Money(1_000, "EUR"), subject=f"t{i}", end=False)
    )
    refused = [r for r in results if isinstance(r, VoucherEngineError)]
    assert len(refused) == THREADS - 10
    assert all(isinstance(r, SessionAmountExceeded) for r in refused)
    assert engine.get_session("acme", "s1").reserved == Money(10_000, "EUR")


def test_parallel_ending_spends_let_exactly_one_through(engine, clock):
    open_session(engine, clock, "s2", 10_000)
    results = run_together(THREADS, lambda i: engine.spend_session("acme", "s2", Money(100, "EUR"), subject=f"t{i}"))
    winners = [r for r in results if not isinstance(r, VoucherEngineError)]
    assert len(winners) == 1
    assert all(isinstance(r, SessionEnded) for r in results if r not in winners)
    after = engine.get_session("acme", "s2")
    assert (after.reserved, after.subject) == (Money(100, "EUR"), winners[0].subject)


def test_refusals_name_their_reason_and_change_nothing(engine, clock):
    open_session(engine, clock, "s3", 500)
    with pytest.raises(SessionAmountExceeded):
        engine.spend_session("acme", "s3", Money(501, "EUR"), subject="x")
    with pytest.raises(SessionAmountExceeded):
        engine.spend_session("acme", "s3", Money(100, "USD"), subject="x")
    with pytest.raises(SessionNotFound):
        engine.spend_session("globex", "s3", Money(100, "EUR"), subject="x")  # another tenant's
    assert engine.get_session("acme", "s3").open_at(clock.now())
    clock.advance(timedelta(hours=1))
    with pytest.raises(SessionExpired):
        engine.spend_session("acme", "s3", Money(100, "EUR"), subject="x")
    assert engine.get_session("acme", "s3").reserved == Money(0, "EUR")


def test_release_gives_back_once(engine, clock):
    open_session(engine, clock, "s4", 500)
    engine.spend_session("acme", "s4", Money(200, "EUR"), subject="b")
    assert not engine.release_session("acme", "s4", subject="other")
    assert engine.release_session("acme", "s4", subject="b")
    assert not engine.release_session("acme", "s4", subject="b")  # once only
    released = engine.get_session("acme", "s4")
    assert (released.reserved, released.ended_at is not None) == (Money(0, "EUR"), True)
