"""Failed authentications counted per client address and per identity (``identity.attempts``),
on both backends, with the engine's clock deciding the windows.

The race test proves the guard: a failure is counted by one conditional upsert. Turned into
read-then-write in the real code (read ``failures`` in Python, then write ``failures + 1``
unconditionally), concurrent failures are lost on PostgreSQL (SQLite serialises writers, so
there the mutation cannot show).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import jwt
import pytest
from identity_helpers import make_identity
from sqlalchemy import func, select

from dbsupport import database_of
from voucher_engine import Engine, ManualClock
from voucher_engine.errors import TooManyAttempts, Unauthorized, VoucherEngineError
from voucher_engine.identity import Identity
from voucher_engine.identity.attempts import ADDRESS, STAFF, client_address
from voucher_engine.identity.config import AttemptLimits
from voucher_engine.storage.identity_tables import auth_failures

LIMITS = AttemptLimits(per_address=6, per_identity=3, window=timedelta(minutes=15))
THREADS = 12


def limited(engine: Engine) -> Identity:
    identity = make_identity(engine, attempt_limits=LIMITS)
    identity.staff.create_staff_user("acme", "ann@example.com", "right password", roles={"shop": "manager"})
    return identity


def login(identity: Identity, password: str, email: str = "ann@example.com") -> object:
    try:
        return identity.staff.login("acme", email, password, "shop")
    except VoucherEngineError as error:
        return error


def kinds(outcomes: list[object]) -> list[str]:
    return [type(o).__name__ if isinstance(o, VoucherEngineError) else "ok" for o in outcomes]


def _in_parallel(identity: Identity, password: str) -> list[object]:
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = [None] * THREADS

    def attempt(i: int) -> None:
        with client_address(f"192.0.2.{i}"):  # many addresses: only the identity's limit binds
            barrier.wait()
            outcomes[i] = login(identity, password if password == "right password" else f"{password} {i}")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_parallel_wrong_passwords_are_all_counted_and_then_refused(engine: Engine) -> None:
    identity = limited(engine)
    outcomes = _in_parallel(identity, "guess")
    checked = kinds(outcomes).count("Unauthorized")
    # Checked: at least the limit, and none after a counted limit (the rest were refused).
    assert checked >= LIMITS.per_identity
    assert kinds(outcomes).count("TooManyAttempts") == THREADS - checked
    with database_of(engine).sa.connect() as conn:
        counted = conn.execute(select(func.max(auth_failures.c.failures))).scalar_one()
    assert counted == checked  # every failure counted: none lost to a concurrent one
    assert isinstance(login(identity, "right password"), TooManyAttempts)


def test_parallel_right_passwords_all_get_in(engine: Engine) -> None:
    identity = limited(engine)  # THREADS is four times the identity's limit
    assert kinds(_in_parallel(identity, "right password")) == ["ok"] * THREADS


def test_a_right_password_counts_nothing_and_a_locked_identity_refuses_it(
    engine: Engine,
    clock: ManualClock,
) -> None:
    identity = limited(engine)
    for _ in range(LIMITS.per_identity - 1):
        assert isinstance(login(identity, "wrong"), Unauthorized)
    for _ in range(3):  # successes do not count
        assert kinds([login(identity, "right password")]) == ["ok"]
    assert isinstance(login(identity, "wrong"), Unauthorized)  # the last one of the window
    clock.advance(timedelta(minutes=5))
    refused = login(identity, "right password")
    assert isinstance(refused, TooManyAttempts)
    assert refused.retry_after == 10 * 60  # the window opened with the first failure
    # An operator lifts the lock; the window is gone with it.
    identity.attempts.clear(STAFF, "acme\0ann@example.com")
    assert kinds([login(identity, "right password")]) == ["ok"]


def test_the_window_ends_on_the_engines_clock(engine: Engine, clock: ManualClock) -> None:
    identity = limited(engine)
    for _ in range(LIMITS.per_identity):
        login(identity, "wrong")
    assert isinstance(login(identity, "wrong"), TooManyAttempts)
    clock.advance(LIMITS.window - timedelta(seconds=1))
    refused = login(identity, "wrong")
    assert isinstance(refused, TooManyAttempts) and refused.retry_after == 1
    clock.advance(timedelta(seconds=1))
    assert isinstance(login(identity, "wrong"), Unauthorized)


def test_an_address_is_limited_across_identities_and_token_kinds(engine: Engine) -> None:
    identity = limited(engine)
    token = identity.distributors.create_distributor("acme", "kiosk")
    with client_address("203.0.113.9"):
        outcomes = [login(identity, "wrong", f"user{n}@example.com") for n in range(LIMITS.per_address - 1)]
        with pytest.raises(Unauthorized):  # a token naming nobody counts against the address
            identity.authenticate_distributor("dt_guess")
        with pytest.raises(TooManyAttempts):  # over: refused before the password is read
            identity.staff.login("acme", "ann@example.com", "right password", "shop")
        with pytest.raises(TooManyAttempts):  # a wrong token answers 429 instead of 401
            identity.authenticate_distributor("dt_guess again")
        # A valid token is never held up: there is nothing to guess in 256 random bits.
        assert identity.authenticate_distributor(token).distributor_id == "kiosk"
    assert kinds(outcomes) == ["Unauthorized"] * (LIMITS.per_address - 1)
    with client_address("198.51.100.1"):
        assert kinds([login(identity, "right password")]) == ["ok"]
    # The table holds hashes, not addresses or emails.
    keys = database_of(engine).sa.connect().execute(select(auth_failures.c.key)).scalars().all()
    assert keys and all(k.split(":")[0] in {ADDRESS, STAFF} and len(k.split(":")[1]) == 64 for k in keys)
    assert not any("203.0.113.9" in k or "example.com" in k for k in keys)


def test_ended_windows_are_pruned_by_later_failures(engine: Engine, clock: ManualClock) -> None:
    identity = limited(engine)
    for n in range(5):
        login(identity, "wrong", f"old{n}@example.com")
    clock.advance(LIMITS.window)
    login(identity, "wrong", "new@example.com")
    with database_of(engine).sa.connect() as conn:
        assert conn.execute(select(func.count()).select_from(auth_failures)).scalar_one() == 1


def test_limits_can_be_turned_off(engine: Engine) -> None:
    identity = make_identity(engine, attempt_limits=None)
    identity.staff.create_staff_user("acme", "ann@example.com", "right password", roles={"shop": "manager"})
    assert kinds([login(identity, f"guess {n}") for n in range(12)]) == ["Unauthorized"] * 12


def test_a_partner_is_limited_on_bad_signatures_never_on_its_own_replays(engine: Engine, clock: ManualClock) -> None:
    identity = limited(engine)
    secret = "s" * 32
    identity.partners.register_partner("acme", "jackpot", secret, algorithm="HS256")
    now = int(clock.now().timestamp())

    def token(key: str, jti: str) -> str:
        return jwt.encode({"iss": "jackpot", "iat": now, "exp": now + 60, "jti": jti}, key, algorithm="HS256")

    def use(signed: str) -> str:
        try:
            identity.use_partner_jwt("acme", signed)
        except VoucherEngineError as error:
            return error.details.get("reason") or type(error).__name__
        return "ok"

    # A signed token presented again and again is the partner's own retry: never a lock-out.
    once = token(secret, "jti-1")
    assert [use(once) for _ in range(LIMITS.per_identity + 2)] == ["ok"] + ["replayed"] * (LIMITS.per_identity + 1)
    # A wrong signature is a guess at the key.
    forged = [use(token("f" * 32, f"forged-{n}")) for n in range(LIMITS.per_identity + 1)]
    assert forged == ["InvalidSignatureError"] * LIMITS.per_identity + ["TooManyAttempts"]
