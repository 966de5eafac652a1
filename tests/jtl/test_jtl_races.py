"""Races on PostgreSQL, through the HTTP API of a real server process (the kit's ``ve_server``)
with real threads: replacing reservations, a reservation expiring while it is charged,
parallel refunds.

A request that meets a lock held too long answers 409 REQUEST.CONFLICT ("retry it"); the
clients here retry those, as the API asks, so every outcome asserted is final and exact.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from jtl_support import (
    RESERVATIONS,
    TENANT,
    assert_replay_matches,
    bearer,
    call,
    issue,
    open_jtl_engine,
    reservation,
    token_of,
)
from sqlalchemy import Connection, NullPool, create_engine, make_url, text

from voucher_engine import HoldState, ManualClock
from voucher_engine.testing import Server

pytestmark = [pytest.mark.postgresql, pytest.mark.parametrize("ve_backend", ["postgresql"])]

THREADS = 16
RETRYABLE = {"REQUEST.CONFLICT", "REQUEST.IN_PROGRESS"}
#: Well within the engine's PostgreSQL lock_timeout (3 s), after which a waiter gives up.
LOCK_WAIT_DEADLINE_S = 2.0


def final(server: Server, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, dict | None]:
    """The answer once it is not a retryable conflict."""
    for _ in range(50):
        status, answer = call(server, method, path, body, headers)
        if not (status == 409 and answer and answer.get("code") in RETRYABLE):
            return status, answer
    raise AssertionError(f"still conflicting after 50 tries: {method} {path}")


def test_16_parallel_reservations_of_one_voucher_leave_exactly_one(jtl_engine, shop, jtl_server):
    engine = jtl_engine
    headers = bearer(token_of(engine, shop))
    server = jtl_server()
    barrier = threading.Barrier(THREADS)

    def reserve(i: int) -> tuple[int, dict | None]:
        barrier.wait()
        return final(server, "POST", RESERVATIONS, reservation(amount=f"{i + 1}.00"), headers)

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(reserve, range(THREADS)))

    assert [status for status, _ in answers] == [200] * THREADS, answers
    holds = [engine.get_hold(TENANT, answer["id"]) for _, answer in answers]
    pending = [hold for hold in holds if hold.state is HoldState.PENDING]
    assert len(pending) == 1
    assert {hold.state for hold in holds if hold is not pending[0]} == {HoldState.RELEASED}
    voucher = engine.get_voucher(TENANT, code="test")
    assert (voucher.held, voucher.available) == (pending[0].amount, 5000 - pending[0].amount)
    assert_replay_matches(engine, "test")


def _waiting_on_locks(probe: Connection) -> int:
    # Autocommit: pg_stat_activity is a snapshot taken once per transaction.
    return probe.execute(
        text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
    ).scalar_one()


def _until_waiting(probe: Connection, count: int) -> None:
    """Until ``count`` transactions wait for a row lock (each charge and expiry waits for the
    voucher's, held by the test): polling while requests travel, not waiting for time to pass."""
    deadline = time.monotonic() + LOCK_WAIT_DEADLINE_S
    while _waiting_on_locks(probe) < count:
        assert time.monotonic() < deadline, f"fewer than {count} transactions reached the voucher's lock"
        time.sleep(0.005)


def test_a_reservation_expiring_while_it_is_charged_has_one_winner(
    jtl_engine,
    shop,
    jtl_server,
    ve_database_url,
    ve_clock,
):
    """The server's clock says the reservations are still valid; the sweeper's says they are
    due. Each reservation is charged (over HTTP) and expired (by the sweeper) at once: both
    have read it pending and both wait for its voucher's row lock, which the test holds, and
    then let go. PostgreSQL hands the lock over in the order of arrival, so the first half of
    the vouchers are expired first and the rest charged first: each claim's guard meets a
    reservation the other has just resolved, and exactly one of the two may win."""
    engine = jtl_engine
    count = THREADS // 2
    codes = [f"V-{i}" for i in range(count)]
    for code in codes:
        issue(engine, code, "30.00")
    headers = bearer(token_of(engine, shop))
    server = jtl_server()
    reserved = []
    for code in codes:
        status, answer = call(server, "POST", RESERVATIONS, reservation(code=code, pin=None, amount="20.00"), headers)
        assert status == 200, answer
        reserved.append(answer["id"])
    voucher_ids = [engine.get_voucher(TENANT, code=code).id for code in codes]
    expired_first = set(reserved[: count // 2])

    sweeper = open_jtl_engine(ve_database_url, ManualClock(ve_clock.now() + timedelta(minutes=31)))
    raw = create_engine(make_url(ve_database_url).set(drivername="postgresql+psycopg"), poolclass=NullPool)

    def charge(hold_id: str) -> tuple[int, dict | None]:
        return final(server, "POST", f"{RESERVATIONS}/{hold_id}/charge", b'{"order_number": "R-1"}', headers)

    def expire(hold_id: str):
        return sweeper.expire_hold(TENANT, hold_id)

    try:
        with (
            ThreadPoolExecutor(THREADS) as pool,
            raw.connect() as holder,
            raw.connect().execution_options(isolation_level="AUTOCOMMIT") as probe,
        ):
            holder.execute(
                text("SELECT id FROM vouchers WHERE id = ANY(:ids) ORDER BY id FOR UPDATE"), {"ids": voucher_ids}
            )
            first = {h: pool.submit(expire if h in expired_first else charge, h) for h in reserved}
            _until_waiting(probe, count)
            second = {h: pool.submit(charge if h in expired_first else expire, h) for h in reserved}
            _until_waiting(probe, 2 * count)
            holder.commit()  # the race starts
            outcomes = {
                h: (
                    (first if h not in expired_first else second)[h].result(),
                    (first if h in expired_first else second)[h].result(),
                )
                for h in reserved
            }
    finally:
        sweeper.close()
        raw.dispose()

    for hold_id, code in zip(reserved, codes, strict=True):
        (status, answer), expired = outcomes[hold_id]
        charged = status == 200
        assert charged != (expired is not None), (status, answer, expired)
        assert charged is (hold_id not in expired_first), "the lock went to the later arrival"
        if not charged:
            assert (status, answer["code"]) == (409, "RESERVATION.NOT_PENDING"), answer
        hold = engine.get_hold(TENANT, hold_id)
        assert hold.state is (HoldState.CAPTURED if charged else HoldState.EXPIRED)
        voucher = engine.get_voucher(TENANT, code=code)
        assert (voucher.available, voucher.held) == ((1000 if charged else 3000), 0)
        assert_replay_matches(engine, code)


def test_parallel_refunds_of_one_charge_never_exceed_it(jtl_engine, shop, jtl_server):
    engine = jtl_engine
    headers = bearer(token_of(engine, shop))
    server = jtl_server()
    status, reserved = call(server, "POST", RESERVATIONS, reservation(amount="20.00"), headers)
    assert status == 200, reserved
    status, charge = call(
        server, "POST", f"{RESERVATIONS}/{reserved['id']}/charge", b'{"order_number": "P-1"}', headers
    )
    assert status == 200, charge
    barrier = threading.Barrier(THREADS)

    def refund(_: int) -> tuple[int, dict | None]:
        barrier.wait()
        return final(
            server, "POST", f"/v1/charges/{charge['id']}/refund", b'{"amount": "3.00", "currency": "EUR"}', headers
        )

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(refund, range(THREADS)))

    granted = [answer for status, answer in answers if status == 200]
    refusals = [answer["code"] for status, answer in answers if status != 200]
    # 20.00 holds six refunds of 3.00; the seventh would exceed the charge.
    assert len(granted) == 6 and len({answer["id"] for answer in granted}) == 6
    assert refusals == ["CHARGE.REFUND_EXCEEDS_REMAINING"] * (THREADS - 6)
    voucher = engine.get_voucher(TENANT, code="test")
    assert (voucher.available, voucher.held) == (3000 + 1800, 0)
    assert_replay_matches(engine, "test")
