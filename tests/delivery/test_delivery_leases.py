"""Leases per delivery, in one process: parallel claims take each delivery once, each under a
token of its own; a held lease is renewed and a lost one never taken back; a worker leases
only what it is sending at that moment."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from dbsupport import database_of
from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks, Worker
from voucher_engine.delivery.deliveries import claim_deliveries
from voucher_engine.delivery.leases import LeaseKeeper, renew_leases
from voucher_engine.delivery.relay import dispatch_outbox
from voucher_engine.storage.delivery_tables import webhook_deliveries
from voucher_engine.testing import LOOPBACK

D = webhook_deliveries.c
DEADLINE_S = 30.0


def issue(engine, count: int) -> None:
    for _ in range(count):
        engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")))


def leased(engine) -> list[str]:
    with database_of(engine).sa.connect() as conn:
        return list(conn.execute(select(D.id).where(D.lease_token.is_not(None))).scalars())


def test_parallel_claims_take_each_delivery_once_under_its_own_token(engine):
    # A receiver that is never called: the claims are the point.
    Webhooks(engine, LOOPBACK).create_endpoint("acme", "http://127.0.0.1:9/hook")
    issue(engine, 30)
    dispatch_outbox(engine)
    start = threading.Barrier(4)
    claims: list[list] = [[] for _ in range(4)]

    def claimer(n: int) -> None:
        start.wait(timeout=DEADLINE_S)
        claims[n] = claim_deliveries(engine, LOOPBACK, limit=100)  # each tries to take them all

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = [c for claim in claims for c in claim]
    assert len(taken) == 30
    assert Counter(c.id for c in taken).most_common(1)[0][1] == 1  # none taken twice
    assert len({c.lease_token for c in taken}) == 30  # a lease of its own each
    assert claim_deliveries(engine, LOOPBACK, limit=100) == []


def test_a_held_lease_is_renewed_and_a_lost_one_never_taken_back(engine, clock):
    Webhooks(engine, LOOPBACK).create_endpoint("acme", "http://127.0.0.1:9/hook")
    issue(engine, 1)
    dispatch_outbox(engine)
    [mine] = claim_deliveries(engine, LOOPBACK, limit=10)
    keeper = LeaseKeeper(engine, LOOPBACK)
    lease = timedelta(seconds=LOOPBACK.lease_s)
    try:
        keeper.hold(webhook_deliveries, mine.id, mine.lease_token)
        for _ in range(3):  # 2.7 leases in all: long run out, were it not renewed
            clock.advance(lease * 0.9)
            keeper.renew()
            assert claim_deliveries(engine, LOOPBACK, limit=10) == []
        keeper.release(webhook_deliveries, mine.id)  # its worker stops renewing (stalled, or dead)
    finally:
        keeper.close()
    clock.advance(lease)
    [theirs] = claim_deliveries(engine, LOOPBACK, limit=10)  # another worker takes it again
    assert (theirs.id, theirs.attempt) == (mine.id, 2) and theirs.lease_token != mine.lease_token
    # The first worker comes back and renews: the lease is not its own any more.
    assert renew_leases(engine, LOOPBACK, webhook_deliveries, {mine.id: mine.lease_token}) == {mine.id}
    with database_of(engine).sa.connect() as conn:
        until, token = conn.execute(select(D.lease_until, D.lease_token).where(D.id == mine.id)).one()
    assert (until, token) == (clock.now() + lease, theirs.lease_token)


def test_a_worker_leases_only_the_deliveries_it_is_sending(engine, receiver):
    settings = replace(LOOPBACK, concurrency=2, batch_size=50)
    Webhooks(engine, settings).create_endpoint("acme", receiver.url)
    issue(engine, 12)
    both_held, release = threading.Event(), threading.Event()

    def hold(_got) -> None:
        with receiver.lock:
            if sum(receiver.in_flight.values()) == 2:
                both_held.set()
        release.wait(DEADLINE_S)

    receiver.hold = hold
    worker = Worker(engine, settings)
    reports = []
    thread = threading.Thread(target=lambda: reports.append(worker.run_once()))
    thread.start()
    try:
        assert both_held.wait(DEADLINE_S)
        # The ten others are free for any worker while this one's two senders are busy.
        assert len(leased(engine)) == 2
        assert len(claim_deliveries(engine, settings, limit=100)) == 10
    finally:
        release.set()
        thread.join()
        worker.close()
    assert reports[0].delivered == {"succeeded": 2}
    assert len(receiver.received) == 2 and receiver.overlaps == []
