"""What every benchmark shares: fresh databases, seeded rows, the worker harness, and sizes.

Sizes: ``make bench`` runs the suites timed (pytest-benchmark enabled) with full sizes;
``make test`` runs them once with ``--benchmark-disable`` and tiny sizes, so every benchmark
still executes end to end (and cannot rot) in a few seconds.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from voucher_engine import Engine, EngineConfig
from voucher_engine.storage.tables import outbox, tenants, vouchers

PG_URL = os.environ.get(
    "VOUCHER_ENGINE_BENCH_PG_URL",
    os.environ.get("VOUCHER_ENGINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)
BACKENDS = ["sqlite", "postgresql"]
TENANT = "bench"


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much work one measured round does, and how many rounds."""

    rounds: int
    warmup_rounds: int
    ops: dict[str, int]  # operations per round, by backend

    def per_round(self, backend: str) -> int:
        return self.ops[backend]


# SQLite at synchronous=FULL commits at the disk's fsync rate, PostgreSQL faster: rounds of
# about a second each on the development machine (2 shared cores), so the whole suite stays
# well under twenty minutes.
FULL = Sizes(rounds=3, warmup_rounds=1, ops={"sqlite": 150, "postgresql": 400})
SMOKE = Sizes(rounds=1, warmup_rounds=0, ops={"sqlite": 16, "postgresql": 16})


def sizes(benchmark) -> Sizes:
    return SMOKE if benchmark.disabled else FULL


def record(benchmark, *, backend: str, impl: str, operation: str, workers: int, ops: int) -> None:
    """What the report needs to turn this benchmark's timings into ops/s and ratios."""
    benchmark.extra_info.update(
        {"backend": backend, "impl": impl, "operation": operation, "workers": workers, "ops_per_round": ops}
    )


# --- databases ----------------------------------------------------------------------------------


def _pg_admin():
    return create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")


def pg_reachable() -> str | None:
    try:
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        admin.dispose()
    except Exception as error:  # noqa: BLE001 - any failure to connect means "unreachable"
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return None


def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """A new, migrated database of ``backend``: yields its URL, drops it afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / f'bench-{secrets.token_hex(4)}.sqlite3'}"
        open_engine(url, migrate=True).close()
        yield url
        return
    why = pg_reachable()
    if why is not None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable under CI=true: {why}")
        pytest.skip(f"!!! PostgreSQL at {PG_URL} unreachable, its benchmarks are SKIPPED: {why}")
    name = f"ve_bench_{secrets.token_hex(6)}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        open_engine(url, migrate=True).close()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def open_engine(url: str, *, migrate: bool = False) -> Engine:
    """The engine as a host opens it: real clock, real randomness, installed plugins, and
    the default settings (``synchronous=FULL`` on SQLite, a 3 s lock timeout on PostgreSQL)."""
    return Engine.open(url, config=EngineConfig(auto_migrate=migrate))


def sqlite_path(url: str) -> str:
    return make_url(url).database


def pg_dsn(url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL, for psycopg itself."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_of(engine: Engine):
    """The engine's database wrapper, for seeding and tracing behind its back. Benchmarks only:
    a host reads and writes through the engine's operations."""
    return engine._db


# --- seeding (not measured) -----------------------------------------------------------------------


def seed_tenant(engine: Engine) -> None:
    with database_of(engine).write() as link:
        link.sql.execute(insert(tenants), {"id": TENANT, "name": TENANT, "created_at": datetime.now(UTC)})


def seed_vouchers(
    engine: Engine, prefix: str, count: int, *, kind: str, initial: int, currency: str | None = None
) -> list[str]:
    """``count`` available vouchers in one transaction (issuing them one by one would cost a
    commit each); returns their codes. The row is what ``Engine.issue`` writes, minus the
    opening ledger entry, which no spending path reads; ``public_id`` comes from the column's
    default, the same expression ``Engine.issue`` runs inside its INSERT."""
    now = datetime.now(UTC)
    codes = [f"{prefix}-{i:07d}" for i in range(count)]
    rows = [
        {
            "id": f"vch_{prefix}_{i:07d}",
            "tenant_id": TENANT,
            "code": code,
            "kind": kind,
            "state": "available",
            "currency": currency,
            "initial": initial,
            "available": initial,
            "held": 0,
            "seq": 1,
            "windows": [{"from": None, "to": None}],
            "expires_at": None,
            "redeemable_at": [],
            "taxable": False,
            "tax_rate": None,
            "attributes": {},
            "holder": None,
            "campaign_id": None,
            "offer_id": None,
            "pin_hash": None,
            "locked_until": None,
            "lock_code_hash": None,
            "created_at": now,
            "updated_at": now,
            "third_party_id": None,
        }
        for i, code in enumerate(codes)
    ]
    with database_of(engine).write() as link:
        for start in range(0, len(rows), 5000):
            link.sql.execute(insert(vouchers), rows[start : start + 5000])
    return codes


def seed_outbox(engine: Engine, count: int) -> None:
    """``count`` undispatched events, as the money paths leave them behind."""
    now = datetime.now(UTC)
    rows = [
        {
            "event_id": f"evt_seed_{secrets.token_hex(10)}",
            "tenant_id": TENANT,
            "type": "voucher.redeemed",
            "subject_id": f"vch_{i}",
            "payload": {"type": "voucher.redeemed", "amount": 1, "seq": i},
            "created_at": now,
        }
        for i in range(count)
    ]
    with database_of(engine).write() as link:
        for start in range(0, len(rows), 5000):
            link.sql.execute(insert(outbox), rows[start : start + 5000])


def settle(engine: Engine) -> None:
    """Let the database digest a bulk seeding before the clock starts: on PostgreSQL fresh
    statistics and a checkpoint (otherwise autovacuum and the checkpointer work through the
    seeding's pages during the measurement, and every commit waits behind their I/O); on
    SQLite the WAL folded back into the database file."""
    if database_of(engine).dialect == "postgresql":
        with database_of(engine).sa.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
            conn.exec_driver_sql("CHECKPOINT")
    else:
        with database_of(engine).sa.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


# --- workers --------------------------------------------------------------------------------------


def run_workers(workers: int, ops: int, op: Callable[[int, int], object]) -> None:
    """Run ``op(worker, i)`` for i in 0..ops-1, spread over ``workers`` threads that start
    together; re-raises the first failure (a benchmark that silently did less is worse than
    none)."""
    if workers == 1:
        for i in range(ops):
            op(0, i)
        return
    start = threading.Barrier(workers)
    failures: list[BaseException] = []

    def work(worker: int) -> None:
        start.wait()
        try:
            for i in range(worker, ops, workers):
                op(worker, i)
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            failures.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def per_worker(workers: int, make: Callable[[], object]) -> list:
    """One connection (or anything else) per worker thread, made before the clock starts."""
    return [make() for _ in range(workers)]
