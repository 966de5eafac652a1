"""The race harnesses the concurrency tests share, and that ``broken.py`` variants are run
through to prove the harnesses notice a read-then-write bug.

Each harness starts its contenders together (a barrier), lets them run for real (threads in
this process, or spawned processes that open their own ``Engine`` on the same URL), and
returns a report of what happened and what the database holds afterwards, for the tests to
assert on.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from voucher_engine import Engine, EngineConfig, Entry, Money, Movement, Voucher, replay
from voucher_engine.domain.ledger import Balance, EntryKind
from voucher_engine.errors import HoldNotPending, IllegalTransition, InsufficientFunds, PoolDepleted
from voucher_engine.storage.database import DatabaseSettings

TENANT = "acme"
#: Generous: a contender stuck this long means a deadlock, which must fail, not hang, the run.
BARRIER_TIMEOUT_S = 120.0
#: How long a worker process may take for all its work: the PostgreSQL drain serialises 2,000
#: pops on one row lock, each held for a few round trips, minutes on a loaded CI machine.
CHILD_TIMEOUT_S = 900.0
#: The total lock wait of one write in a worker process (``EngineConfig.max_write_wait_s``).
CHILD_WRITE_WAIT_S = 120.0
#: What a correctly refused spender may be told: the money ran out, or the voucher is used up.
REFUSALS = (InsufficientFunds, IllegalTransition)


def open_child_engine(url: str) -> Engine:
    """The engine a spawned worker process opens: the parent migrated the database already.

    SQLite runs with ``synchronous=NORMAL`` here: with ``FULL`` every one of the 10,000 pops
    waits for its own fsync of the WAL (measured: 113 pops/s with ``FULL`` against 497 with
    ``NORMAL``, one thread), so the drain alone would take longer than this whole folder may.
    Who gets which code is decided under the write lock, not by durability: ``NORMAL`` tests
    the same thing.

    The writes may wait up to ``CHILD_WRITE_WAIT_S`` in all: SQLite's busy handler is not fair,
    so with 16 writers on one file on a loaded machine one of them can wait longer than the 5 s
    a request gets by default (measured: 7 of 10,000 pops answered ``Conflict``). A request
    is better answered 409 than held; these writers are here to prove who gets which code.
    """
    return Engine.open(
        url,
        config=EngineConfig(
            auto_migrate=False,
            database=DatabaseSettings(sqlite_synchronous="NORMAL"),
            max_write_wait_s=CHILD_WRITE_WAIT_S,
        ),
    )


# --- threads started together ------------------------------------------------------------------


@dataclass
class RaceOutcome:
    """What the contenders returned, and what they raised."""

    results: list[Any] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def race(workers: int, task: Callable[[int], Any]) -> RaceOutcome:
    """Run ``task(i)`` in ``workers`` threads released at the same instant by a barrier."""
    start = threading.Barrier(workers)

    def contender(i: int) -> Any:
        start.wait(timeout=BARRIER_TIMEOUT_S)
        return task(i)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(contender, i) for i in range(workers)]
    outcome = RaceOutcome()
    for future in futures:
        error = future.exception()
        if error is None:
            outcome.results.append(future.result())
        else:
            outcome.errors.append(error)
    return outcome


def run_processes(target: Callable[..., None], args: list[tuple]) -> list[dict]:
    """Start one spawned process per ``args`` entry running ``target(*args, start, results)``
    and return what each put on ``results``. ``start`` is a barrier for all of them."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(len(args))
    results = ctx.Queue()
    children = [ctx.Process(target=target, args=(*a, start, results)) for a in args]
    for child in children:
        child.start()
    try:
        # Read before join: a child cannot exit until its (large) result has been taken.
        reports = [results.get(timeout=CHILD_TIMEOUT_S) for _ in children]
    except queue.Empty:
        for child in children:
            child.kill()
        raise AssertionError(f"a worker process died or hung: exit codes {[c.exitcode for c in children]}") from None
    for child in children:
        child.join(timeout=BARRIER_TIMEOUT_S)
    return reports


# --- many spenders, one voucher ----------------------------------------------------------------

Redeem = Callable[[Engine, str, Money | None], Movement]  # (engine, code, amount) -> movement


def engine_redeem(engine: Engine, code: str, amount: Money | None) -> Movement:
    return engine.redeem(TENANT, code=code, amount=amount)


@dataclass(frozen=True)
class SpendRace:
    winners: list[Movement]
    refusals: list[BaseException]  # InsufficientFunds / IllegalTransition
    unexpected: list[BaseException]  # anything else: always a failure
    voucher: Voucher  # as stored after the race
    ledger: list[Entry]

    @property
    def replayed(self) -> Balance:
        return replay(self.ledger)

    @property
    def refusal_types(self) -> set[type]:
        return {type(e) for e in self.refusals}

    def violations(self, expected_winners: int) -> list[str]:
        """Every way the race broke the ledger's promises (empty when it kept them)."""
        found = []
        if len(self.winners) != expected_winners:
            found.append(f"{len(self.winners)} redemptions succeeded, expected {expected_winners}")
        if self.unexpected:
            found.append(f"unexpected errors: {self.unexpected!r}")
        stored = Balance(self.voucher.available, self.voucher.held)
        if self.replayed != stored:
            found.append(f"replay mismatch: ledger adds up to {self.replayed}, stored {stored}")
        seqs = [e.seq for e in self.ledger]
        if seqs != list(range(1, len(seqs) + 1)) or self.voucher.seq != len(seqs):
            found.append(f"ledger seqs {seqs} are not 1..{self.voucher.seq} without gaps")
        spent = sum(e.spent for e in self.ledger if e.kind is EntryKind.REDEEM)
        if spent != sum(m.amount for m in self.winners):
            found.append(f"ledger records {spent} spent, winners were told {sum(m.amount for m in self.winners)}")
        if spent > self.voucher.initial:
            found.append(f"over-spent: {spent} spent of {self.voucher.initial}")
        return found


def redeem_race(
    engine: Engine, code: str, amount: Money | None, *, workers: int = 64, redeem: Redeem = engine_redeem
) -> SpendRace:
    """``workers`` threads each redeem ``amount`` of one voucher at the same instant."""
    outcome = race(workers, lambda _i: redeem(engine, code, amount))
    return SpendRace(
        winners=outcome.results,
        refusals=[e for e in outcome.errors if isinstance(e, REFUSALS)],
        unexpected=[e for e in outcome.errors if not isinstance(e, REFUSALS)],
        voucher=engine.get_voucher(TENANT, code=code),
        ledger=engine.ledger(TENANT, code=code),
    )


# --- one pool drained by threads in spawned processes ------------------------------------------


@dataclass(frozen=True)
class DrainReport:
    codes: list[str]  # every code handed out, across all workers
    depleted_answers: int  # workers whose pop after depletion raised PoolDepleted again
    workers: int
    unexpected: list[str]  # repr of anything other than PoolDepleted, from any worker


def drain_pool(url: str, pool_id: str, *, processes: int = 2, threads: int = 8, pop: str = "engine") -> DrainReport:
    """``processes`` spawned processes with ``threads`` threads each pop from one pool until
    it is depleted. ``pop`` names the pop function a child uses: ``"engine"`` or ``"broken"``
    (by name, because a spawned child imports what it runs)."""
    reports = run_processes(_drain_in_child, [(url, pool_id, threads, pop)] * processes)
    return DrainReport(
        codes=[code for r in reports for code in r["codes"]],
        depleted_answers=sum(r["depleted_again"] for r in reports),
        workers=processes * threads,
        unexpected=[e for r in reports for e in r["unexpected"]],
    )


def _drain_in_child(url, pool_id, threads, pop, start, results) -> None:
    engine = open_child_engine(url)
    try:
        pop_one = _pop_functions()[pop]
        start.wait(timeout=BARRIER_TIMEOUT_S)  # both processes ready before any thread pops

        def worker(_i: int) -> tuple[list[str], bool]:
            mine = []
            while True:
                try:
                    mine.append(pop_one(engine, pool_id))
                except PoolDepleted:
                    break
            try:
                pop_one(engine, pool_id)
            except PoolDepleted:
                return mine, True
            return mine, False

        outcome = race(threads, worker)
        results.put(
            {
                "codes": [code for mine, _ in outcome.results for code in mine],
                "depleted_again": sum(again for _, again in outcome.results),
                "unexpected": [repr(e) for e in outcome.errors],
            }
        )
    except BaseException as error:  # noqa: BLE001 - report, so the parent fails instead of hanging
        results.put({"codes": [], "depleted_again": 0, "unexpected": [repr(error)]})
    finally:
        engine.close()


def _pop_functions() -> dict[str, Callable[[Engine, str], str]]:
    import broken  # the sibling module; imported here so a child only loads it when asked

    return {
        "engine": lambda engine, pool_id: engine.pop_code(TENANT, pool_id).code,
        "broken": broken.read_then_write_pop,
    }


# --- capture racing expiry -------------------------------------------------------------------

Capture = Callable[[Engine, str], Any]  # (engine, hold id) -> HoldResult


def engine_capture(engine: Engine, hold_id: str) -> Any:
    return engine.capture(TENANT, hold_id)


@dataclass(frozen=True)
class HoldRound:
    capture_won: bool
    expiry_won: bool
    final_state: str  # the hold's state after the round
    unexpected: list[BaseException]

    @property
    def winners(self) -> int:
        return self.capture_won + self.expiry_won


@dataclass(frozen=True)
class HoldRace:
    rounds: list[HoldRound]
    voucher: Voucher
    ledger: list[Entry]

    @property
    def replayed(self) -> Balance:
        return replay(self.ledger)


def capture_expiry_race(
    capture_engine: Engine,
    expiry_engine: Engine,
    code: str,
    amount: Money,
    *,
    rounds: int,
    ttl: timedelta,
    capture: Capture = engine_capture,
) -> HoldRace:
    """Per round: hold ``amount``, then capture it (``capture_engine``, whose clock is before
    the hold's expiry) while ``expiry_engine`` (clock after it) expires it, both at once.
    Even rounds expire the one hold, odd rounds run the sweep, so both expiry paths race."""
    played = []
    for n in range(rounds):
        hold = capture_engine.hold(TENANT, code=code, amount=amount, ttl=ttl)
        sweep = n % 2 == 1

        def expire() -> bool:
            if sweep:
                return expiry_engine.expire_due_holds() == 1
            return expiry_engine.expire_hold(TENANT, hold.hold_id) is not None

        contenders = [lambda: capture(capture_engine, hold.hold_id), expire]
        outcome = race(2, lambda i: contenders[i]())  # runs to the end within this iteration
        capture_lost = [e for e in outcome.errors if isinstance(e, HoldNotPending)]
        played.append(
            HoldRound(
                capture_won=any(not isinstance(r, bool) for r in outcome.results),
                expiry_won=True in outcome.results,
                final_state=capture_engine.get_hold(TENANT, hold.hold_id).state.value,
                unexpected=[e for e in outcome.errors if e not in capture_lost],
            )
        )
    return HoldRace(played, capture_engine.get_voucher(TENANT, code=code), capture_engine.ledger(TENANT, code=code))


# --- one idempotency key retried in parallel ---------------------------------------------------

IdempotentRedeem = Callable[[Engine, str, Money | None, str], Movement]  # (engine, code, amount, key)


def engine_idempotent_redeem(engine: Engine, code: str, amount: Money | None, key: str) -> Movement:
    return engine.redeem(TENANT, code=code, amount=amount, idempotency_key=key)


@dataclass(frozen=True)
class RetryRace:
    outcome: RaceOutcome
    voucher: Voucher
    ledger: list[Entry]

    @property
    def effects(self) -> int:
        return sum(e.kind is EntryKind.REDEEM for e in self.ledger)


def retry_race(
    engine: Engine,
    code: str,
    amount: Money | None,
    key: str,
    *,
    workers: int = 16,
    redeem: IdempotentRedeem = engine_idempotent_redeem,
) -> RetryRace:
    """``workers`` threads send the same redeem request with the same key at the same instant."""
    outcome = race(workers, lambda _i: redeem(engine, code, amount, key))
    return RetryRace(outcome, engine.get_voucher(TENANT, code=code), engine.ledger(TENANT, code=code))


# --- SQLite: several processes writing at once ---------------------------------------------------

SHARED_REDEEM, SHARED_HOLD, SHARED_POOL = "SHARED-REDEEM", "SHARED-HOLD", "shared"
WRITES = ("issue", "redeem", "hold+capture", "pop")


@dataclass(frozen=True)
class WritersReport:
    done: dict[str, int]  # operation -> how many succeeded, over all processes
    popped: list[str]
    errors: list[str]  # repr of every error any process saw


def sqlite_writers(url: str, *, processes: int, iterations: int, engine: str = "engine") -> WritersReport:
    """``processes`` spawned processes each run ``iterations`` rounds of the ``WRITES`` (all
    but the issue on shared rows), at once. ``engine`` is ``"engine"`` (the real
    one) or ``"deferred"`` (``broken.open_deferred_engine``)."""
    reports = run_processes(_write_in_child, [(url, n, iterations, engine) for n in range(processes)])
    done = {op: sum(r["done"][op] for r in reports) for op in WRITES}
    return WritersReport(done, [c for r in reports for c in r["popped"]], [e for r in reports for e in r["errors"]])


def _write_in_child(url, n, iterations, engine_kind, start, results) -> None:
    import broken

    from voucher_engine import VoucherKind, VoucherSpec

    done = dict.fromkeys(WRITES, 0)
    popped: list[str] = []
    errors: list[str] = []
    cent = Money.parse("0.01", "EUR")
    engine = None
    try:
        if engine_kind == "deferred":
            engine = broken.open_deferred_engine(url)
        else:
            engine = Engine.open(url, config=EngineConfig(auto_migrate=False))

        def hold_then_capture(_i: int) -> None:
            engine.capture(TENANT, engine.hold(TENANT, code=SHARED_HOLD, amount=cent).hold_id)

        steps = {
            "issue": lambda i: engine.issue(TENANT, VoucherSpec(VoucherKind.SINGLE_USE), code=f"W{n}-{i}"),
            "redeem": lambda _i: engine.redeem(TENANT, code=SHARED_REDEEM, amount=cent),
            "hold+capture": hold_then_capture,
            "pop": lambda _i: popped.append(engine.pop_code(TENANT, SHARED_POOL).code),
        }
        start.wait(timeout=BARRIER_TIMEOUT_S)
        for i in range(iterations):
            for name, step in steps.items():
                try:
                    step(i)
                    done[name] += 1
                except Exception as error:  # noqa: BLE001 - every error is the finding
                    # A Conflict keeps the driver's words ("database is locked") in its details.
                    errors.append(f"{name}: {error!r} {getattr(error, 'details', '')}")
    except BaseException as error:  # noqa: BLE001 - report, so the parent fails instead of hanging
        errors.append(f"worker: {error!r}")
    finally:
        results.put({"done": done, "popped": popped, "errors": errors})
        if engine is not None:
            engine.close()
