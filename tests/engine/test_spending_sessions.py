"""The core service under the Jackpot sessions: a spend never takes a session past its amount,
with 16 threads spending on one session at once, on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from voucher_engine import Money
from voucher_engine.errors import VoucherEngineError
from voucher_engine.sessions import SessionAmountExceeded, SessionEnded, SessionExpired, SpendingSessions

THREADS = 16


def run_together(count: int, action) -> list[object]:  # noqa: ANN001
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


def test_parallel_spends_never_exceed_the_amount(engine, clock):
    sessions = SpendingSessions(engine)
    sessions.open("acme", "s1", owner="p", reference="c", amount=Money(10_000, "EUR"),
                  expires_at=clock.now() + timedelta(hours=1))
    results = run_together(THREADS, lambda i: sessions.spend("acme", "s1", Money(1_000, "EUR"), subject=f"t{i}",
                                                              end=False))
    refused = [r for r in results if isinstance(r, VoucherEngineError)]
    assert len(refused) == THREADS - 10
    assert all(isinstance(r, SessionAmountExceeded) for r in refused)
    assert sessions.get("acme", "s1").reserved == Money(10_000, "EUR")


def test_parallel_ending_spends_let_exactly_one_through(engine, clock):
    sessions = SpendingSessions(engine)
    sessions.open("acme", "s2", owner="p", reference="c", amount=Money(10_000, "EUR"),
                  expires_at=clock.now() + timedelta(hours=1))
    results = run_together(THREADS, lambda i: sessions.spend("acme", "s2", Money(100, "EUR"), subject=f"t{i}"))
    winners = [r for r in results if not isinstance(r, VoucherEngineError)]
    assert len(winners) == 1
    assert all(isinstance(r, SessionEnded) for r in results if r not in winners)
    after = sessions.get("acme", "s2")
    assert (after.reserved, after.subject) == (Money(100, "EUR"), winners[0].subject)


def test_refusals_name_their_reason_and_change_nothing(engine, clock):
    sessions = SpendingSessions(engine)
    sessions.open("acme", "s3", owner="p", reference="c", amount=Money(500, "EUR"),
                  expires_at=clock.now() + timedelta(hours=1))
    with pytest.raises(SessionAmountExceeded):
        sessions.spend("acme", "s3", Money(501, "EUR"), subject="x")
    with pytest.raises(SessionAmountExceeded):
        sessions.spend("acme", "s3", Money(100, "USD"), subject="x")
    assert sessions.get("acme", "s3").open_at(clock.now())
    clock.advance(timedelta(hours=1))
    with pytest.raises(SessionExpired):
        sessions.spend("acme", "s3", Money(100, "EUR"), subject="x")
    assert sessions.get("acme", "s3").reserved == Money(0, "EUR")


def test_unspend_and_release(engine, clock):
    sessions = SpendingSessions(engine)
    sessions.open("acme", "s4", owner="p", reference="c", amount=Money(500, "EUR"),
                  expires_at=clock.now() + timedelta(hours=1))
    sessions.spend("acme", "s4", Money(300, "EUR"), subject="a")
    assert not sessions.unspend("acme", "s4", Money(300, "EUR"), subject="other")
    assert sessions.unspend("acme", "s4", Money(300, "EUR"), subject="a")
    assert sessions.get("acme", "s4").open_at(clock.now())  # reopened: the purchase failed
    sessions.spend("acme", "s4", Money(200, "EUR"), subject="b")
    assert sessions.release("acme", "s4", subject="b")
    assert not sessions.release("acme", "s4", subject="b")  # once only
    released = sessions.get("acme", "s4")
    assert (released.reserved, released.ended_at is not None) == (Money(0, "EUR"), True)
