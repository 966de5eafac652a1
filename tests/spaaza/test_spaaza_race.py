"""Clients claiming overlapping sets of vouchers in parallel through HTTP, on PostgreSQL: each
voucher ends with at most one holder, the one whose request answered it; every request is all
or nothing (its user holds every voucher it asked for, or none of them).

Sixteen clients, each on its own app and event loop over one engine (so requests really run in
parallel), each claim three consecutive vouchers of sixteen in a ring for its own user: every
voucher is wanted by three clients, every client collides with four others. Run with and
without locking: with it, a claim guard turned into read-then-write is also betrayed by the lock
guard behind it (the loser answers voucher_locked), so the plain claim run is the one that shows
the claim guard alone. The apps start one after the other; only the requests run in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from litestar.testing import TestClient
from spaaza_support import (
    HOSTNAME,
    SEED_CREATED,
    TENANT,
    add_user,
    assert_error,
    claim_body,
    holder,
    issue,
    open_spaaza_engine,
    privileged_headers,
    privileged_token,
    set_up_chain,
)

from voucher_engine import Engine, ManualClock
from voucher_engine_litestar import create_app

CLIENTS = 16
WANTED = 3
FIRST_USER = 5000


@pytest.fixture
def race_engine(pg_url: str) -> Iterator[Engine]:
    """A fresh PostgreSQL database (the suite's ``pg_url``), migrated on open."""
    engine = open_spaaza_engine(pg_url, ManualClock(SEED_CREATED))
    yield engine
    engine.close()


def wanted_by(client: int) -> list[int]:
    return [(client + k) % CLIENTS for k in range(WANTED)]


@pytest.mark.postgresql
@pytest.mark.parametrize("locking", [False, True], ids=["claim", "claim-and-lock"])
def test_overlapping_parallel_claims_are_all_or_nothing(race_engine, locking):
    engine = race_engine
    set_up_chain(engine, TENANT)
    vouchers = [issue(engine) for _ in range(CLIENTS)]
    for n in range(CLIENTS):
        add_user(engine, TENANT, FIRST_USER + n, member_number=f"M-{n}")
    holder_of_user = {FIRST_USER + n: holder(engine, FIRST_USER + n) for n in range(CLIENTS)}
    headers = privileged_headers(privileged_token(engine), HOSTNAME)

    answers: list = [None] * CLIENTS
    failures: list[BaseException] = []
    start = threading.Barrier(CLIENTS, timeout=60)

    def claim(n: int, client: TestClient) -> None:
        body = claim_body(
            *({"voucher_key": vouchers[i].code} for i in wanted_by(n)),
            user={"user_id": FIRST_USER + n},
            locking={"voucher_locking_code": f"basket-{n}"} if locking else None,
        )
        try:
            start.wait()
            answers[n] = client.post("/claim-vouchers", json=body, headers=headers)
        except BaseException as error:  # noqa: BLE001 - reported below, not lost in the thread
            failures.append(error)
            start.abort()

    with ExitStack() as stack:
        # Apps are built and started here, one after the other; only the requests run in
        # parallel, each client on its own event loop.
        clients = [stack.enter_context(TestClient(create_app(engine, mounts={"spaaza": "/"}))) for _ in range(CLIENTS)]
        threads = [threading.Thread(target=claim, args=(n, clients[n])) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not failures, failures
    assert all(answer is not None for answer in answers), "a client did not finish"

    winners = [n for n in range(CLIENTS) if answers[n].status_code == 200]
    for n in set(range(CLIENTS)) - set(winners):
        assert_error(answers[n], 409, "voucher_claimed_by_another_user")
    assert winners, "the first claim to commit cannot have met a taken voucher"

    holders = {i: engine.get_voucher(TENANT, voucher_id=v.id).holder for i, v in enumerate(vouchers)}
    answered_by: dict[int, list[int]] = {i: [] for i in range(CLIENTS)}
    for n in winners:
        keys = [v["voucher_key"] for v in answers[n].json()["results"]["vouchers"]]
        assert keys == [vouchers[i].code for i in wanted_by(n)]
        for i in wanted_by(n):
            answered_by[i].append(n)
    for i, held_by in holders.items():
        # Exactly one successful answer per held voucher, and it names the holder; no answer
        # for a voucher nobody holds.
        assert len(answered_by[i]) == (held_by is not None), (i, answered_by[i], held_by)
        if held_by is not None:
            assert held_by == holder_of_user[FIRST_USER + answered_by[i][0]]
    for n in range(CLIENTS):
        held = [holders[i] == holder_of_user[FIRST_USER + n] for i in wanted_by(n)]
        assert all(held) if n in winners else not any(held), (n, held)  # all or nothing
