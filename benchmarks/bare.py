"""The physical limit: each engine operation's SQL, run through the bare driver.

How the SQL was derived, so the comparison is honest: every statement below is the engine's
own statement object (imported from the engine's modules, or rebuilt with the engine's own
helpers where the engine builds it inline), compiled once, before any clock starts, with the
engine's live SQLAlchemy dialect -- the same compilation SQLAlchemy performs (and caches) when
the engine executes it. At run time no SQLAlchemy code runs: the compiled text goes straight to
``sqlite3`` or ``psycopg`` with the parameters bound the way SQLAlchemy binds them (SQLite:
datetimes as naive-UTC text, JSON as msgspec's text; PostgreSQL: aware datetimes and
``Jsonb``, JSON through msgspec as the engine's connections have it, storage/database.py). ``test_bare_sql.py`` runs each engine operation with a statement listener and
asserts that it sends exactly these statements, in this order -- if the engine's SQL changes,
that test fails until this module follows.

Transactions match ``storage/database.py``: SQLite with ``isolation_level=None``, WAL,
``synchronous=FULL``, foreign keys, a 30 s busy timeout and ``BEGIN IMMEDIATE`` for writes,
the writers of one process taking turns on a lock of the file's before it;
PostgreSQL with the driver's implicit ``BEGIN``, a 3 s ``lock_timeout``, and reads in a
``REPEATABLE READ READ ONLY`` transaction.
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import psycopg
from psycopg.types.json import Jsonb, set_json_dumps, set_json_loads
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Dialect, make_url

from voucher_engine.delivery import relay
from voucher_engine.engine import base, campaigns, pools, spending
from voucher_engine.engine.lifecycle_ops import _insert_entry
from voucher_engine.engine.rows import _LOOKUPS, select_hold
from voucher_engine.identity.opaque import digest
from voucher_engine.storage.delivery_tables import outbox_dispatch, webhook_deliveries, webhook_endpoints
from voucher_engine.storage.direct import Direct
from voucher_engine.storage.identity_tables import distributors
from voucher_engine.storage.statements import insert_or_skip

DISPATCH_COLUMNS = ["outbox_id", "deliveries", "dispatched_at"]
DELIVERY_COLUMNS = [
    "id",
    "tenant_id",
    "endpoint_id",
    "outbox_id",
    "event_id",
    "event_type",
    "payload",
    "status",
    "attempts",
    "failures",
    "next_attempt_at",
    "last_error",
    "created_at",
    "updated_at",
]


class Refused(Exception):
    """A conditional UPDATE matched nothing: the engine would raise a domain error here."""


@dataclass(frozen=True, slots=True)
class Sql:
    text: str
    names: tuple[str, ...] | None  # parameter order for SQLite's "?"; None: PostgreSQL's %(name)s
    const: dict[str, Any]  # values the statement carries itself (literals SQLAlchemy binds)
    lead: tuple[str, ...] = ()  # PostgreSQL: commands sent ahead of it in one pipeline (Direct.lead)


def compile_sql(statement, dialect: Dialect, *, column_keys: list[str] | None = None) -> Sql:
    lead: tuple[str, ...] = ()
    if isinstance(statement, Direct):  # the engine sends it straight to the driver, compiled as here
        statement, lead, column_keys = statement.statement, statement.lead, column_keys or statement.columns
    compiled = statement.compile(dialect=dialect, column_keys=column_keys)
    # Expanding IN lists are rendered here, once, as SQLAlchemy renders them per execution.
    blanks = {b.key: None for b in compiled.binds.values() if b.required}
    expanded = compiled.construct_expanded_state(blanks)
    const = {k: v for k, v in expanded.parameters.items() if k not in blanks}
    names = tuple(expanded.positiontup) if expanded.positiontup is not None else None
    return Sql(expanded.statement, names, const, lead)


def many_rows(sql: Sql, rows: int) -> Sql:
    """The multi-row ``VALUES`` form SQLAlchemy's "insertmanyvalues" sends for an executemany
    with RETURNING: the row group repeated, PostgreSQL names suffixed ``__0``, ``__1`` ..."""
    head, _, tail = sql.text.partition(" VALUES ")
    depth = end = 0
    for end, char in enumerate(tail, start=1):  # noqa: B007 - read after the break: the first row group's closing parenthesis
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            break
    group, rest = tail[:end], tail[end:]
    if sql.names is None:
        groups = [re.sub(r"%\((\w+)\)s", lambda m, i=i: f"%({m.group(1)}__{i})s", group) for i in range(rows)]
        return Sql(f"{head} VALUES {', '.join(groups)}{rest}", None, {})
    return Sql(f"{head} VALUES {', '.join([group] * rows)}{rest}", sql.names * rows, {})


class Statements:
    """The engine's statements, compiled for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        def c(statement, columns: list[str] | None = None) -> Sql:
            return compile_sql(statement, dialect, column_keys=columns)

        self.dialect = dialect
        self.insert_event = c(base._insert_event)
        self.advance = c(pools._advance)
        self.record_issue = c(pools._record_issue)
        self.advance_and_record = c(pools._advance_and_record)
        self.advance_and_record_waiting = c(pools._advance_and_record_waiting)
        self.has_a_code = c(pools._has_a_code)
        self.voucher_by_code = c(_LOOKUPS[("code", False)])
        self.lock_voucher_by_id = c(_LOOKUPS[("voucher_id", True)])
        self.debit = c(spending._debit)
        self.hold_funds = c(spending._hold_funds)
        self.insert_hold = c(spending._insert_hold)
        self.insert_entry = c(_insert_entry)
        self.hold_by_id = c(select_hold("t", "h"))
        self.claim_capture = c(spending._claim_capture)
        self.settle_hold = c(spending._settle_hold)
        # PostgreSQL: each movement with its ledger entry, a capture with its claim (engine/moves.py).
        self.debit_with_entry = c(spending._WITH_ENTRY[spending._debit])
        self.hold_funds_with_entry = c(spending._WITH_ENTRY[spending._hold_funds])
        self.capture_and_settle = c(spending._capture_and_settle)
        self.hold_with_voucher = c(spending._hold_with_voucher)
        # The relay (delivery/relay.py), for one tenant's events per batch.
        self.dequeue = c(relay._dequeue)
        self.endpoints_of_one = c(
            select(webhook_endpoints).where(
                webhook_endpoints.c.tenant_id.in_({"t"}), webhook_endpoints.c.enabled.is_(True)
            )
        )
        self.claim_dispatch = c(
            insert_or_skip(dialect.name, outbox_dispatch, ["outbox_id"]).returning(outbox_dispatch.c.outbox_id),
            DISPATCH_COLUMNS,
        )
        self.insert_deliveries = c(
            insert_or_skip(dialect.name, webhook_deliveries, ["endpoint_id", "outbox_id"]), DELIVERY_COLUMNS
        )
        # Promo issuance (identity/distributors.py, engine/campaigns.py).
        self.distributor_by_digest = c(
            select(distributors.c.tenant_id, distributors.c.id).where(distributors.c.token_digest == "d")
        )
        self.campaigns_of = c(campaigns._tenant_campaigns)
        self._many: dict[int, Sql] = {}
        self._events_by_id: dict[int, Sql] = {}

    def events_by_id(self, ids: int) -> Sql:
        """The relay's events of a batch of ``ids`` ids, their IN list expanded to ``ids_1`` ...
        as SQLAlchemy expands it per execution."""
        if ids not in self._events_by_id:
            compiled = relay._events_by_id.compile(dialect=self.dialect)
            expanded = compiled.construct_expanded_state({"ids": [0] * ids})
            names = tuple(expanded.positiontup) if expanded.positiontup is not None else None
            self._events_by_id[ids] = Sql(expanded.statement, names, {})
        return self._events_by_id[ids]

    def claim_dispatch_rows(self, rows: int) -> Sql:
        if rows not in self._many:
            self._many[rows] = many_rows(self.claim_dispatch, rows)
        return self._many[rows]


_ids = itertools.count()
_id_prefix = os.urandom(4).hex()


def new_id(kind: str) -> str:
    """Unique ids of the engine's length (``evt_`` + 26 characters), without its clock."""
    return f"{kind}_{_id_prefix}{next(_ids):018d}"


class BareDb:
    """One bare-driver connection (a worker thread owns one, as a pool would hand it out)."""

    statements: Statements
    trace: list[str] | None = None  # the statements sent, when a test asks

    @contextmanager
    def write(self) -> Iterator[None]:
        self._begin_write()
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

    @contextmanager
    def read(self) -> Iterator[None]:
        self._begin_read()
        try:
            yield
        finally:
            self.conn.rollback()

    def close(self) -> None:
        self.conn.close()


class BareSqlite(BareDb):
    def __init__(
        self, path: str, statements: Statements, *, synchronous: str = "FULL", busy_timeout_s: float = 30.0
    ) -> None:
        self.statements = statements
        self.conn = sqlite3.connect(path, timeout=busy_timeout_s, check_same_thread=False, isolation_level=None)
        self._writers = _writers_of(path)
        for pragma in (
            "journal_mode=WAL",
            f"synchronous={synchronous}",
            "foreign_keys=ON",
            f"busy_timeout={int(busy_timeout_s * 1000)}",
        ):
            self.conn.execute(f"PRAGMA {pragma}")

    @contextmanager
    def write(self) -> Iterator[None]:
        # The writers of this process take turns on a lock of the file's, as the engine's do
        # (storage/database.py): in SQLite's busy handler they would sleep in growing steps
        # however soon the file is free, and the baseline would be that handler's luck.
        with self._writers, super().write():
            yield

    # Transaction control is not traced: the engine sends BEGIN to the driver directly, as it
    # does COMMIT (storage/database.py), past the statement listener test_bare_sql.py uses.
    def _begin_write(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def _begin_read(self) -> None:
        self.conn.execute("BEGIN")

    def run(self, sql: Sql, params: dict[str, Any]):
        if self.trace is not None:
            self.trace.append(sql.text)
        values = sql.const | params
        return self.conn.execute(sql.text, [values[n] for n in sql.names])

    def run_rows(self, sql: Sql, rows: list[dict[str, Any]]):
        """One multi-row statement (see ``many_rows``)."""
        if self.trace is not None:
            self.trace.append(sql.text)
        per_row = len(sql.names) // len(rows)
        return self.conn.execute(sql.text, [row[n] for row in rows for n in sql.names[:per_row]])

    def run_many(self, sql: Sql, rows: list[dict[str, Any]]) -> None:
        if self.trace is not None:
            self.trace.append(sql.text)
        self.conn.executemany(sql.text, [[row[n] for n in sql.names] for row in rows])

    @staticmethod
    def time(instant: datetime) -> str:
        # SQLAlchemy's SQLite DATETIME format, in UTC (storage/types.py UTCDateTime).
        return instant.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    @staticmethod
    def json(value: Any) -> str:
        return msgspec.json.encode(value).decode()

    @staticmethod
    def load_json(value: Any) -> Any:
        return msgspec.json.decode(value)


class BarePg(BareDb):
    def __init__(self, dsn: str, statements: Statements, *, lock_timeout_ms: int = 3000) -> None:
        self.statements = statements
        self.conn = psycopg.connect(dsn, options=f"-c lock_timeout={lock_timeout_ms}")
        set_json_dumps(msgspec.json.encode, self.conn)
        set_json_loads(msgspec.json.decode, self.conn)

    def _begin_read(self) -> None:
        # The snapshot's isolation travels in psycopg's own BEGIN, as the engine's does in its
        # (storage/database.py); the next write transaction goes back to the defaults.
        self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.conn.read_only = True

    def _begin_write(self) -> None:
        self.conn.isolation_level = None
        self.conn.read_only = None

    def run(self, sql: Sql, params: dict[str, Any]):
        if self.trace is not None:
            self.trace.append(sql.text)
        if not sql.lead:
            return self.conn.execute(sql.text, sql.const | params)
        with self.conn.pipeline():
            for command in sql.lead:
                self.conn.execute(command)
            return self.conn.execute(sql.text, sql.const | params)

    def run_rows(self, sql: Sql, rows: list[dict[str, Any]]):
        if self.trace is not None:
            self.trace.append(sql.text)
        return self.conn.execute(sql.text, {f"{k}__{i}": v for i, row in enumerate(rows) for k, v in row.items()})

    def run_many(self, sql: Sql, rows: list[dict[str, Any]]) -> None:
        if self.trace is not None:
            self.trace.append(sql.text)
        with self.conn.cursor() as cursor:
            cursor.executemany(sql.text, rows)

    @staticmethod
    def time(instant: datetime) -> datetime:
        return instant

    @staticmethod
    def json(value: Any) -> Jsonb:
        return Jsonb(value)

    @staticmethod
    def load_json(value: Any) -> Any:
        return value  # psycopg decodes jsonb itself


_file_writers: dict[str, threading.Lock] = {}
_file_writers_lock = threading.Lock()


def _writers_of(path: str) -> threading.Lock:
    with _file_writers_lock:
        return _file_writers.setdefault(os.path.realpath(path), threading.Lock())


def statements_for(url: str) -> Statements:
    """Compiled with the dialect the engine uses on ``url``, initialised by a first connection."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    probe = create_engine(parsed)
    try:
        with probe.connect():
            pass
        return Statements(probe.dialect)
    finally:
        probe.dispose()


def connect(url: str, statements: Statements) -> BareDb:
    """A bare driver connection to the database at ``url`` (the engine's own URL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return BareSqlite(parsed.database, statements)
    return BarePg(parsed.set(drivername="postgresql").render_as_string(hide_password=False), statements)


# --- the operations ---------------------------------------------------------------------------------


def _event(db: BareDb, tenant: str, type_: str, subject: str, data: dict[str, Any], now: Any) -> dict[str, Any]:
    return {
        "event_id": new_id("evt"),
        "tenant_id": tenant,
        "type": type_,
        "subject_id": subject,
        "payload": db.json({"type": type_, "subject_id": subject, **data}),
        "created_at": now,
    }


def _entry(tenant: str, voucher_id: str, seq: int, kind: str, now: Any, **values: Any) -> dict[str, Any]:
    return {
        "tenant_id": tenant,
        "voucher_id": voucher_id,
        "seq": seq,
        "kind": kind,
        "available_delta": values.get("available_delta", 0),
        "held_delta": values.get("held_delta", 0),
        "spent": values.get("spent", 0),
        "reference": None,
        "hold_id": values.get("hold_id"),
        "store": None,
        "reverses_seq": None,
        "created_at": now,
        "effective_at": now,
    }


def _entry_params(tenant: str, kind: str, now: Any, **values: Any) -> dict[str, Any]:
    """A ledger entry's parameters in a movement-with-entry statement (engine/moves.py)."""
    return {
        "e_tenant": tenant,
        "e_kind": kind,
        "e_available": values.get("available_delta", 0),
        "e_held": values.get("held_delta", 0),
        "e_spent": values.get("spent", 0),
        "e_reference": None,
        "e_hold": values.get("hold_id"),
        "e_store": None,
        "e_reverses": None,
        "e_effective": now,
    }


def _pop_in(
    db: BareDb, tenant: str, pool: str, campaign: str | None, attributes: dict[str, Any], now: Any
) -> tuple[str, dict[str, Any]]:
    """The code, and the event row to write when the transaction's work is done (the engine
    flushes its events last)."""
    s = db.statements
    params = {
        "b_tenant": tenant,
        "b_pool": pool,
        "b_reference": None,
        "b_campaign": campaign,
        "b_attributes": db.json(attributes),
        "b_now": now,
    }
    if s.dialect.name == "postgresql":  # one statement, as the engine (engine/pools.py)
        for _ in range(pools.POOL_LANES):  # as the engine's _advance_on_postgresql
            row = db.run(s.advance_and_record, params).fetchone()
            if row is None:
                row = db.run(s.advance_and_record_waiting, params).fetchone()
            if row is not None or db.run(s.has_a_code, params).fetchone() is None:
                break
        else:
            raise Refused(f"pool {pool!r} kept moving")
        if row is None:
            raise Refused(f"pool {pool!r} is empty")
        seq, size, _low, code = row
    else:
        row = db.run(s.advance, {"b_tenant": tenant, "b_pool": pool}).fetchone()
        if row is None:
            raise Refused(f"pool {pool!r} is empty")
        seq, size, _low = row
        code = db.run(s.record_issue, {**params, "b_seq": seq}).fetchone()[0]
    return code, _event(
        db,
        tenant,
        "pool.code_issued",
        pool,
        {
            "seq": seq,
            "reference": None,
            "campaign_id": campaign,
            "remaining": size - seq,
        },
        now,
    )


def pop_code(db: BareDb, tenant: str, pool: str) -> str:
    now = db.time(datetime.now(UTC))
    with db.write():
        code, event = _pop_in(db, tenant, pool, None, {}, now)
        db.run(db.statements.insert_event, event)
        return code


def redeem(db: BareDb, tenant: str, code: str, units: int) -> int:
    """Spend ``units`` of the voucher; returns what is left."""
    s = db.statements
    instant = datetime.now(UTC)
    now = db.time(instant)
    with db.write():
        voucher = db.run(s.voucher_by_code, {"b_tenant": tenant, "b_key": code}).fetchone()
        voucher_id, currency = voucher[0], voucher[5]
        params = {"b_id": voucher_id, "b_units": units, "b_now": now, "b_lock": None}
        if s.dialect.name == "postgresql":
            row = db.run(
                s.debit_with_entry,
                {**params, **_entry_params(tenant, "redeem", now, available_delta=-units, spent=units)},
            ).fetchone()
            if row is None:
                raise Refused("not redeemable")
            available, _held, seq, state, _entry_id = row
        else:
            row = db.run(s.debit, params).fetchone()
            if row is None:
                raise Refused("not redeemable")
            available, _held, seq, state = row
            db.run(s.insert_entry, _entry(tenant, voucher_id, seq, "redeem", now, available_delta=-units, spent=units))
        db.run(
            s.insert_event,
            _event(
                db,
                tenant,
                "voucher.redeemed",
                voucher_id,
                {
                    "code": code,
                    "amount": units,
                    "currency": currency,
                    "available": available,
                    "state": state,
                    "seq": seq,
                    "reference": None,
                    "store": None,
                    "effective_at": instant.isoformat(),
                },
                now,
            ),
        )
        return available


def hold(db: BareDb, tenant: str, code: str, units: int, ttl: timedelta = timedelta(minutes=15)) -> str:
    s = db.statements
    instant = datetime.now(UTC)
    now, expires = db.time(instant), instant + ttl
    with db.write():
        voucher = db.run(s.voucher_by_code, {"b_tenant": tenant, "b_key": code}).fetchone()
        voucher_id, currency = voucher[0], voucher[5]
        hold_id = new_id("hld")
        params = {"b_id": voucher_id, "b_units": units, "b_now": now, "b_lock": None}
        hold_row = {
            "id": hold_id,
            "tenant_id": tenant,
            "voucher_id": voucher_id,
            "amount": units,
            "captured": 0,
            "state": "pending",
            "expires_at": db.time(expires),
            "reference": None,
            "created_at": now,
            "resolved_at": None,
        }
        if s.dialect.name == "postgresql":
            row = db.run(
                s.hold_funds_with_entry,
                {
                    **params,
                    **_entry_params(tenant, "hold", now, available_delta=-units, held_delta=units, hold_id=hold_id),
                },
            ).fetchone()
            if row is None:
                raise Refused("not redeemable")
            db.run(s.insert_hold, hold_row)  # the engine sends it with the COMMIT
        else:
            row = db.run(s.hold_funds, params).fetchone()
            if row is None:
                raise Refused("not redeemable")
            db.run(s.insert_hold, hold_row)
            db.run(
                s.insert_entry,
                _entry(
                    tenant, voucher_id, row[2], "hold", now, available_delta=-units, held_delta=units, hold_id=hold_id
                ),
            )
        db.run(
            s.insert_event,
            _event(
                db,
                tenant,
                "hold.created",
                hold_id,
                {
                    "voucher_id": voucher_id,
                    "code": code,
                    "amount": units,
                    "currency": currency,
                    "expires_at": expires.isoformat(),
                    "reference": None,
                    "released": [],
                },
                now,
            ),
        )
        return hold_id


def capture(db: BareDb, tenant: str, hold_id: str) -> None:
    """Capture all of a pending hold."""
    s = db.statements
    now = db.time(datetime.now(UTC))
    with db.write():
        # The hold with its voucher, the voucher locked before the hold is claimed (spending.py).
        found = db.run(s.hold_with_voucher, {"b_hold": hold_id, "b_tenant": tenant}).fetchone()
        voucher_id, amount = found[0], found[-3]
        settle = {"b_id": voucher_id, "b_amount": amount, "b_back": 0, "b_spent": amount, "b_now": now}
        if s.dialect.name == "postgresql":
            row = db.run(
                s.capture_and_settle,
                {
                    **settle,
                    "b_hold": hold_id,
                    "b_tenant": tenant,
                    "b_captured": amount,
                    **_entry_params(tenant, "capture", now, held_delta=-amount, spent=amount, hold_id=hold_id),
                },
            ).fetchone()
            if row is None:
                raise Refused("hold not pending")
            _available, _held, seq, state, code, currency, _entry_id = row
        else:
            claimed = db.run(
                s.claim_capture, {"b_id": hold_id, "b_tenant": tenant, "b_now": now, "b_captured": amount}
            ).fetchone()
            if claimed is None:
                raise Refused("hold not pending")
            _available, _held, seq, state, code, currency = db.run(s.settle_hold, settle).fetchone()
            db.run(
                s.insert_entry,
                _entry(tenant, voucher_id, seq, "capture", now, held_delta=-amount, spent=amount, hold_id=hold_id),
            )
        db.run(
            s.insert_event,
            _event(
                db,
                tenant,
                "hold.captured",
                hold_id,
                {
                    "voucher_id": voucher_id,
                    "code": code,
                    "amount": amount,
                    "captured": amount,
                    "released": 0,
                    "currency": currency,
                    "state": state,
                    "seq": seq,
                    "reference": None,
                },
                now,
            ),
        )


def dispatch_outbox(db: BareDb, limit: int = 100) -> int:
    """The relay's fan-out of one batch (delivery/relay.py) for a single tenant's events."""
    s = db.statements
    now = db.time(datetime.now(UTC))
    with db.write():
        ids = sorted(r[0] for r in db.run(s.dequeue, {"limit": limit}).fetchall())
        if not ids:
            return 0
        rows = db.run(s.events_by_id(len(ids)), {f"ids_{i}": v for i, v in enumerate(ids, start=1)}).fetchall()
        tenant_ids = {r[2] for r in rows}
        if len(tenant_ids) != 1:
            raise AssertionError("the bare relay is written for one tenant's events")
        endpoints = [
            (e[0], db.load_json(e[6]), e[12])
            for e in db.run(s.endpoints_of_one, {"tenant_id_1_1": tenant_ids.pop()}).fetchall()
        ]
        if any(provider is not None for _, _, provider in endpoints):
            # A provider's endpoint gets its events shaped in Python (delivery/shaping.py).
            raise AssertionError("the bare relay is written for endpoints in the core's shape")
        targets = {r[0]: [e for e, types, _ in endpoints if not types or r[3] in types] for r in rows}
        claimed = {
            c[0]
            for c in db.run_rows(
                s.claim_dispatch_rows(len(rows)),
                [{"outbox_id": r[0], "deliveries": len(targets[r[0]]), "dispatched_at": now} for r in rows],
            ).fetchall()
        }
        deliveries = [
            {
                "id": new_id("dlv"),
                "tenant_id": r[2],
                "endpoint_id": e,
                "outbox_id": r[0],
                "event_id": r[1],
                "event_type": r[3],
                "payload": None,
                "status": "pending",
                "attempts": 0,
                "failures": 0,
                "next_attempt_at": now,
                "last_error": None,
                "created_at": now,
                "updated_at": now,
            }
            for r in rows
            if r[0] in claimed
            for e in targets[r[0]]
        ]
        if deliveries:
            db.run_many(s.insert_deliveries, deliveries)
        return len(claimed)


# --- promo issuance, as POST /api/v1/voucher/request runs it ---------------------------------------------


def authenticate_distributor(db: BareDb, token: str) -> tuple[str, str]:
    with db.read():
        row = db.run(db.statements.distributor_by_digest, {"token_digest_1": digest(token)}).fetchone()
    if row is None:
        raise Refused("unknown token")
    return row[0], row[1]


def issue_for_trigger(
    db: BareDb, tenant: str, category: str, distributor: str, attributes: dict[str, Any]
) -> tuple[str, str, datetime | None, datetime]:
    """The first matching campaign's next code: (campaign, code, ends_at, issued_at)."""
    s = db.statements
    instant = datetime.now(UTC)
    now = db.time(instant)
    attributes = {"category": category, "distributor": distributor, **attributes}
    with db.write():
        rows = db.run(s.campaigns_of, {"b_tenant": tenant}).fetchall()
        # Same order as domain.campaigns.match_order: priority first, then earliest end, then id.
        candidates = sorted(
            (
                r
                for r in rows
                if category in db.load_json(r[6]) and distributor in db.load_json(r[7]) and r[3] is not None
            ),
            key=lambda r: (-r[8], r[5] is None, r[5] or instant, r[1]),
        )
        for campaign in candidates:
            # No cap on the benchmark's campaigns, so no cap to give back (engine/campaigns.py).
            try:
                code, event = _pop_in(db, tenant, campaign[3], campaign[1], attributes, now)
            except Refused:
                continue
            db.run(s.insert_event, event)
            return campaign[1], code, campaign[5], instant
    raise Refused("no campaign has a voucher for this trigger")
