"""The engine's core: its injected parts, and the one way every command runs.

A command is one write transaction that may carry an idempotency key (Stripe semantics,
design.md 3.7): the key, the effect and the outbox rows commit together; the same key with the
same request returns the saved result without a second effect; with a different request it
fails with ``IdempotencyKeyReused``; while the first is still running, with
``IdempotencyKeyInUse``.

It is the one way the engine writes (design.md 9): every service -- delivery, identity,
catalog and pool administration -- writes through ``_command`` (a tenant's command: veto hook,
idempotency, outbox, jobs) or ``_housekeeping`` (the engine's own bookkeeping: leases, the
relay's fan-out), and reads through ``_read``. Nothing outside ``engine/`` and ``storage/``
opens a transaction.

A command called from inside another command's body joins its transaction (under a
savepoint) instead of opening a second one, so a composite operation (spend a session *and*
issue the voucher it buys) reuses the single operations and still commits all or nothing.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, func, insert, select, text

from voucher_engine.clock import Clock, IdSource, RandomSource
from voucher_engine.commands import Command
from voucher_engine.domain.events import Event
from voucher_engine.domain.holds import LockPolicy
from voucher_engine.engine import codec
from voucher_engine.errors import (
    Conflict,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    TenantNotFound,
    ValidationError,
)
from voucher_engine.plugins import Hooks
from voucher_engine.storage.database import Database, DatabaseSettings
from voucher_engine.storage.delivery_tables import jobs
from voucher_engine.storage.direct import Direct
from voucher_engine.storage.link import Link
from voucher_engine.storage.statements import insert_or_skip
from voucher_engine.storage.tables import idempotency_keys, outbox, tenants

R = TypeVar("R")
S = TypeVar("S")

# ``inline``: no RETURNING of the generated id, which nobody reads; the events are written
# with the COMMIT in one pipeline, where a result to read would cost a round trip of its own.
_insert_event = Direct(
    insert(outbox).inline(), ["event_id", "tenant_id", "type", "subject_id", "payload", "created_at"]
)
_insert_idempotency = Direct(
    insert(idempotency_keys), ["tenant_id", "scope", "key", "operation", "request_hash", "response", "created_at"]
)

#: Attempts of a background job before it is given up, unless its enqueuer says otherwise.
DEFAULT_JOB_ATTEMPTS = 5

#: The command whose transaction this thread (or task) is inside: (engine, its Tx).
_running: ContextVar[tuple[Any, Tx] | None] = ContextVar("voucher_engine_running_command", default=None)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    lock_policy: LockPolicy = field(default_factory=LockPolicy)
    default_hold_ttl: timedelta = timedelta(minutes=15)
    max_hold_ttl: timedelta = timedelta(days=7)
    #: How often a command is re-run after a retryable conflict before the error surfaces.
    conflict_retries: int = 10
    #: The longest one write waits for locks, over all its retries, before ``Conflict``
    #: surfaces (409 over HTTP): a request thread is never held longer by a held row lock.
    max_write_wait_s: float = 5.0
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    #: Migrate on open: ``None`` means yes for the embedded SQLite file, no for PostgreSQL
    #: (a deployment runs ``voucher-engine db upgrade`` once, not every process at start).
    auto_migrate: bool | None = None


class Tx:
    """One write transaction: its link to the database, its instant, the events it will publish
    and the jobs it queues. ``tenant_id`` is empty in housekeeping transactions (no tenant's
    command).

    Direct statements run on ``link``; SQLAlchemy statements on ``conn``, a ``Connection`` in the
    same transaction made on first use (the hot commands never make one: storage/link.py)."""

    __slots__ = ("_deferred", "_events", "_ids", "link", "now", "tenant_id")

    def __init__(self, link: Link, now: datetime, tenant_id: str, ids: IdSource) -> None:
        self.link = link
        self.now = now
        self.tenant_id = tenant_id
        self._ids = ids
        self._events: list[dict[str, Any]] = []
        self._deferred: list[tuple[Direct, Any]] = []

    @property
    def conn(self) -> Connection:
        return self.link.sql

    @property
    def dialect(self) -> str:
        return self.link.dialect.name

    def emit(self, event: Event) -> None:
        if not self.tenant_id:
            raise ValidationError("an event belongs to a tenant's command")
        self._events.append(
            {
                "event_id": self._ids.new("evt"),
                "tenant_id": self.tenant_id,
                "type": event.type,
                "subject_id": event.subject_id,
                "payload": {"type": event.type, "subject_id": event.subject_id, **event.data},
                "created_at": self.now,
            }
        )

    def flush(self) -> None:
        if self._events:
            _insert_event.run(self.link, self._events)
            self._events.clear()

    def defer(self, statement: Direct, params: Any) -> None:
        """Write this with the COMMIT (one round trip on PostgreSQL): for a row nothing in this
        transaction reads back, and no constraint checked before the COMMIT depends on."""
        self._deferred.append((statement, params))

    def final_writes(self) -> list[tuple[Direct, Any]]:
        """The deferred rows and the events not written yet, as writes for
        ``Database.commit_with`` (sent with the COMMIT in one round trip on PostgreSQL)."""
        writes = self._deferred + ([(_insert_event, list(self._events))] if self._events else [])
        self._deferred = []
        self._events.clear()
        return writes

    def enqueue_job(
        self,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        run_at: datetime | None = None,
        key: str | None = None,
        max_attempts: int = DEFAULT_JOB_ATTEMPTS,
    ) -> str:
        """Queue a background job that commits with this transaction, or not at all: a command
        that rolls back leaves no job behind, and one that commits cannot lose its job to a
        crash before a second transaction. The job belongs to this command's tenant (none in
        housekeeping). Returns the job's id; with a ``key`` already queued, the id of that job
        (the unique key decides, so two commands never queue it twice)."""
        if not (0 < len(kind) <= 64):
            raise ValidationError("a job kind is 1 to 64 characters")
        if key is not None and not (0 < len(key) <= 255):
            raise ValidationError("a job key is 1 to 255 characters")
        if max_attempts < 1:
            raise ValidationError("a job has at least one attempt")
        job_id = self._ids.new("job")
        row = {
            "id": job_id,
            "kind": kind,
            "tenant_id": self.tenant_id or None,
            "payload": dict(payload or {}),
            "key": key,
            "status": "pending",
            "run_at": run_at or self.now,
            "attempts": 0,
            "max_attempts": max_attempts,
            "created_at": self.now,
            "updated_at": self.now,
        }
        if key is None:
            self.conn.execute(insert(jobs), row)
            return job_id
        queued: str | None = self.conn.execute(
            insert_or_skip(self.dialect, jobs, ["key"]).returning(jobs.c.id), row
        ).scalar()
        if queued is None:
            queued = self.conn.execute(select(jobs.c.id).where(jobs.c.key == key)).scalar_one()
        return queued


def request_hash(operation: str, request: dict[str, Any]) -> str:
    canonical = json.dumps([operation, request], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class EngineBase:
    def __init__(
        self,
        database: Database,
        *,
        clock: Clock,
        ids: IdSource,
        random: RandomSource,
        config: EngineConfig,
        hooks: Hooks,
    ) -> None:
        self._db = database
        self.clock = clock
        self.ids = ids
        self.random = random
        self.config = config
        self.hooks = hooks
        self._shared: dict[Callable[[Any], Any], Any] = {}
        self._shared_lock = threading.RLock()  # a factory may ask for another shared service

    # --- services built on the engine ---------------------------------------------------------

    def shared(self, factory: Callable[[Any], S]) -> S:
        """The one ``factory(engine)`` of this engine, made on first use.

        Services built on an engine (``Identity`` with its signing-key cache, ``Webhooks``, a
        plugin's settings) are shared this way by everyone holding the engine, so plugins keep
        no module-level state and two engines never share a cache. ``factory`` is the key:
        ``engine.shared(Identity)``.
        """
        with self._shared_lock:
            if factory not in self._shared:
                self._shared[factory] = factory(self)
            service: S = self._shared[factory]
            return service

    def provide(self, factory: Callable[[Any], S], instance: S) -> None:
        """Let ``shared(factory)`` answer ``instance`` (a host configuring a service)."""
        with self._shared_lock:
            self._shared[factory] = instance

    # --- running commands ----------------------------------------------------------------------

    def _command(
        self,
        tenant_id: str,
        operation: str,
        body: Callable[[Tx], R],
        result_type: type[R],
        *,
        request: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
        precondition: Callable[[Tx], None] | None = None,
    ) -> R:
        """Run ``body`` in one write transaction, retried on conflicts, idempotent by key.

        Called from inside another command's body, it runs in that command's transaction
        (under a savepoint, so a failure the caller catches undoes only this part).
        ``precondition`` runs first in the transaction, before a saved response is looked up
        (a check that must hold for a replay too, such as a caller's credential)."""
        if idempotency_key is not None and not (0 < len(idempotency_key) <= 255):
            raise ValidationError("an idempotency key is 1 to 255 characters")
        self.hooks.veto(Command(tenant_id, operation, request or {}, scope))
        digest = request_hash(operation, request or {}) if idempotency_key else ""

        def run(tx: Tx) -> tuple[R, list[tuple[Direct, Any]]]:
            """The result, and the writes left for the commit: the events and the idempotency
            row, sent with COMMIT in one round trip (nothing reads them back)."""
            if precondition is not None:
                precondition(tx)
            if idempotency_key is not None:
                saved = self._saved_response(tx, scope, idempotency_key, operation, digest)
                if saved is not None:
                    return codec.load(saved, result_type), []
            token = _running.set((self, tx))
            try:
                result = body(tx)
            finally:
                _running.reset(token)
            writes = tx.final_writes()
            if idempotency_key is not None:
                writes.append(
                    (
                        _insert_idempotency,
                        {
                            "tenant_id": tenant_id,
                            "scope": scope,
                            "key": idempotency_key,
                            "operation": operation,
                            "request_hash": digest,
                            "response": codec.dump(result),
                            "created_at": tx.now,
                        },
                    )
                )
            return result, writes

        joined = _running.get()
        if joined is not None and joined[0] is self:
            outer = joined[1]
            # Translated here too: the caller may catch AlreadyExists and try again (a drawn
            # code that collided), and only the savepoint is rolled back.
            with self._db.translated(), outer.conn.begin_nested():
                result, writes = run(Tx(outer.link, outer.now, tenant_id, self.ids))
                for statement, params in writes:
                    statement.run(outer.link, params)
                return result

        def attempt(link: Link) -> R:
            result, writes = run(Tx(link, self.clock.now(), tenant_id, self.ids))
            self._db.commit_with(link, writes)
            return result

        return self._with_retries(attempt)

    def _housekeeping(self, body: Callable[[Tx], R]) -> R:
        """Run the engine's own bookkeeping (leases of deliveries and jobs, the relay's fan-out,
        periodic schedules) in one write transaction, retried on conflicts. No tenant's command:
        no veto, no idempotency key, no events; ``tx.tenant_id`` is empty."""
        return self._with_retries(lambda link: body(Tx(link, self.clock.now(), "", self.ids)))

    def _with_retries(self, attempt: Callable[[Link], R]) -> R:
        # One budget for every lock wait and pause of all the tries: each try may wait only for
        # what is left of it, and none starts once it is spent.
        deadline = time.monotonic() + self.config.max_write_wait_s
        for tries in range(self.config.conflict_retries + 1):
            try:
                with self._db.write(max_wait_s=deadline - time.monotonic()) as link:
                    return attempt(link)
            except Conflict:
                # Exponential backoff with full jitter, capped: contenders spread out instead of
                # colliding again in lock step.
                pause = min(0.002 * 2**tries, 0.25) * self.random.random()
                if tries == self.config.conflict_retries or time.monotonic() + pause >= deadline:
                    raise
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _saved_response(self, tx: Tx, scope: str, key: str, operation: str, digest: str) -> Any | None:
        if self._db.dialect == "postgresql":
            # SQLite serialises writers (BEGIN IMMEDIATE), so a retry there simply waits for the
            # first attempt to finish. On PostgreSQL a second attempt would run in parallel:
            # a transaction-scoped advisory lock on the key tells it the first is still running.
            # The lock id is hashed here, not by hashtextextended(): PostgreSQL text cannot
            # carry the NUL bytes that keep "tenant, scope, key" unambiguous.
            name = f"{tx.tenant_id}\x00{scope}\x00{key}".encode()
            lock_id = int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)
            taken = tx.conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_id}).scalar_one()
            if not taken:
                raise IdempotencyKeyInUse("a request with this idempotency key is still running")
        row = tx.conn.execute(
            select(
                idempotency_keys.c.operation,
                idempotency_keys.c.request_hash,
                idempotency_keys.c.response,
            ).where(
                idempotency_keys.c.tenant_id == tx.tenant_id,
                idempotency_keys.c.scope == scope,
                idempotency_keys.c.key == key,
            )
        ).first()
        if row is None:
            return None
        if row.operation != operation or row.request_hash != digest:
            raise IdempotencyKeyReused("this idempotency key was used for a different request")
        return row.response

    def _read(self, fn: Callable[[Connection], R]) -> R:
        """Run ``fn`` in one read transaction (one consistent snapshot); once more on a
        ``Conflict`` (a pooled connection found dead: there is no pre-ping)."""
        try:
            with self._db.read() as conn:
                return fn(conn)
        except Conflict:
            with self._db.read() as conn:
                return fn(conn)

    def _read_one(self, fn: Callable[[Connection], R]) -> R:
        """Run ``fn``, which sends exactly one read statement, with no transaction around it
        where that saves round trips (``Database.read_one``); once more on a ``Conflict``."""
        try:
            with self._db.read_one() as conn:
                return fn(conn)
        except Conflict:
            with self._db.read_one() as conn:
                return fn(conn)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._db.dialect

    # --- tenants --------------------------------------------------------------------------------

    def create_tenant(self, tenant_id: str, name: str | None = None) -> bool:
        """Create a tenant; ``False`` when it already exists (so loading twice is harmless)."""
        if not (0 < len(tenant_id) <= 64):
            raise ValidationError("a tenant id is 1 to 64 characters")

        def body(tx: Tx) -> bool:
            created = tx.conn.execute(
                insert_or_skip(tx.dialect, tenants, ["id"]).returning(tenants.c.id),
                {"id": tenant_id, "name": name or tenant_id, "created_at": tx.now},
            ).first()
            return created is not None

        return self._command(tenant_id, "create_tenant", body, bool, request={"name": name})

    def tenant_ids(self) -> list[str]:
        return self._read(lambda c: list(c.execute(select(tenants.c.id).order_by(tenants.c.id)).scalars()))

    def _require_tenant(self, conn: Connection, tenant_id: str) -> None:
        found = conn.execute(select(func.count()).where(tenants.c.id == tenant_id)).scalar_one()
        if not found:
            raise TenantNotFound(f"no tenant {tenant_id!r}")
