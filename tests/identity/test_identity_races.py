"""The identity guards under real threads on both backends, exact outcomes:
- refresh-token rotation: one conditional UPDATE (``used_at IS NULL``) lets exactly one of 16
  parallel presentations of a refresh token rotate;
- public ids: the tenant row lock gives 16 parallel creations the ids 1..16;
- token statistics: one upsert per token, so 16 parallel token requests count 16.
Each test was run once against its guard turned into read-then-write in the real code, and
failed on PostgreSQL (SQLite serialises writers, so there the mutation cannot show): a SELECT
of ``used_at`` then an unconditional UPDATE -> several rotations; no tenant row lock ->
``AlreadyExists`` on the (tenant, public_id) unique index; SELECT then INSERT or UPDATE of the
counter -> ``AlreadyExists`` on its primary key."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import select

from voucher_engine.errors import Unauthorized, VoucherEngineError
from voucher_engine.storage.identity_tables import refresh_tokens, token_families

THREADS = 16


def _race(task: Callable[[int], object]) -> list[object]:
    """Run ``task(i)`` in 16 threads released at once; each outcome is a result or the error."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = [None] * THREADS

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = task(i)
        except VoucherEngineError as error:
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_one_refresh_token_presented_16_times_rotates_exactly_once(identity, engine) -> None:
    identity.staff.create_staff_user("acme", "ann@example.com", "pw", roles={"d1": "admin"})
    tokens = identity.login("acme", "ann@example.com", "pw", "d1")
    outcomes = _race(lambda _: identity.refresh(tokens.access_token, tokens.refresh_token))
    rotated = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(rotated) == 1, outcomes
    assert all(isinstance(e, Unauthorized) and e.details["reason"] in {"reused", "revoked"} for e in refused)
    family, used = engine._read(
        lambda c: (
            c.execute(select(token_families)).one(),
            c.execute(select(refresh_tokens.c.used_at).where(refresh_tokens.c.used_at.is_not(None))).all(),
        )
    )
    assert family.revoked_reason == "reuse" and len(used) == 1
    # The reuse revoked the family: the winner's fresh access token is dead too.
    try:
        identity.verify_staff(rotated[0].access_token)
        raise AssertionError("the winner's access token still verifies after reuse")
    except Unauthorized as error:
        assert error.details["reason"] == "revoked"


def test_16_parallel_creations_get_public_ids_1_to_16(identity) -> None:
    outcomes = _race(lambda i: identity.staff.create_staff_user("acme", f"user{i}@example.com", "pw"))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(u.public_id for u in outcomes) == list(range(1, THREADS + 1))
    assert [u.public_id for u in identity.staff.list_staff_users("acme")] == list(range(1, THREADS + 1))


def test_16_parallel_token_requests_are_all_counted(identity) -> None:
    client = identity.clients.create_client("acme", ["use"])
    basic = (client.client_id, client.secret)
    form = {"grant_type": "client_credentials", "client_type": "pos"}
    outcomes = _race(lambda _: identity.oauth.token(form, basic))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert [(c.client_type, c.tokens) for c in identity.oauth.client_token_stats("acme")] == [("pos", THREADS)]
