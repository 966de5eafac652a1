"""The hot statements, sent to the driver directly.

SQLAlchemy's execute path costs about 35 us per statement (cache key, execution context,
cursor result, events) where SQLite runs a one-row UPDATE in about 4: on the statements every
pop, redemption and hold sends, that was most of what the engine cost above the bare driver
(docs/benchmarks.md). A ``Direct`` statement is compiled by SQLAlchemy itself, once per dialect
(the same SQL it would send), binds its parameters with the column types' own processors, and
goes to the DBAPI connection of the ``Link`` (``link.py``) or SQLAlchemy ``Connection`` it is
given, inside that one's transaction; on PostgreSQL with what travels with it (the pending
``BEGIN``, a savepoint) in one batch through libpq's pipeline (``pg_pipeline``). Driver errors are raised as
SQLAlchemy raises them (``DBAPIError.instance``) and a lost connection is invalidated, so
``Database.translated`` and the retry rules treat them as any statement's.

Everything else keeps using ``Connection.execute``: this is for the few statements on the paths
measured in ``make bench``, not a second way to write SQL.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect

from voucher_engine.storage import pg_pipeline
from voucher_engine.storage.link import Link

#: Key in a PostgreSQL connection's ``info``: the commands that begin its transaction, not sent
#: yet (``BEGIN``, maybe a ``SET LOCAL``), which travel in one pipeline with the transaction's
#: first statement (``Database``).
PENDING_BEGIN = "voucher_engine_pending_begin"

#: What a direct statement runs on: a write transaction's ``Link``, or a ``Connection`` (reads).
Runner = Link | Connection

# Called with each statement's SQL before it is sent (``observe``): what a SQLAlchemy statement
# listener sees of every other statement, for the tests that compare the engine's SQL with the
# bare driver's.
_observers: list[Callable[[str], None]] = []


@contextmanager
def observe(callback: Callable[[str], None]) -> Iterator[None]:
    """Call ``callback`` with the SQL of every direct statement sent while the block runs."""
    _observers.append(callback)
    try:
        yield
    finally:
        _observers.remove(callback)


@dataclass(frozen=True, slots=True)
class _Plan:
    """One statement compiled for one dialect."""

    sql: str
    positional: bool  # SQLite's "?" parameters, in ``binds``' order; else named
    literals: dict[str, Any]  # values the statement carries itself
    # Each parameter (in the order of SQLite's "?", repeats included) and its processor.
    binds: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    row: type | None  # the result's row type (attribute access, as SQLAlchemy's rows)
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # the result columns with a processor
    #: PostgreSQL: the SQL with ``$n`` parameters (in ``binds``' order), as a pipeline sends it.
    wire: bytes | None = None


class Direct:
    """A statement compiled once per dialect and sent straight to the driver."""

    __slots__ = ("_last", "_lead_steps", "_plans", "columns", "lead", "statement")

    def __init__(self, statement: Any, columns: Sequence[str] | None = None, *, lead: Sequence[str] = ()) -> None:
        self.statement = statement
        self.columns = list(columns) if columns is not None else None  # an INSERT's columns
        #: PostgreSQL: commands sent ahead of the statement in its pipeline (no round trip of
        #: their own), such as a savepoint's.
        self.lead = tuple(lead)
        self._lead_steps = tuple(pg_pipeline.command(c) for c in self.lead)
        # By what the compiled SQL depends on, not by dialect object: a process that opens and
        # closes many engines (a test suite) keeps one plan per kind of database, not one
        # per engine it ever opened (a plan's processors would keep each dialect alive).
        self._plans: dict[tuple[Any, ...], _Plan] = {}
        # The dialect last sent to and its plan: one engine's statements find their plan
        # without building the key (most processes run one engine).
        self._last: tuple[Dialect | None, _Plan | None] = (None, None)

    def first(self, conn: Runner, params: Mapping[str, Any]) -> Any | None:
        """The first row, or None."""
        rows = self._send(conn, params)
        return rows[0] if rows else None

    def all(self, conn: Runner, params: Mapping[str, Any]) -> list[Any]:
        return self._send(conn, params)

    def one(self, conn: Runner, params: Mapping[str, Any]) -> Any:
        """The one row a statement that cannot miss returns (an error when it does)."""
        rows = self._send(conn, params)
        if len(rows) != 1:
            raise exc.NoResultFound(f"expected one row, got {len(rows)}")
        return rows[0]

    def run(self, conn: Runner, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
        """Send it for its effect: once, or once per row of a list (as ``executemany``)."""
        if isinstance(params, Mapping):
            self._send(conn, params, fetch=False)
        elif len(params) == 1:  # the usual case (one event): a plain statement is cheaper
            self._send(conn, params[0], fetch=False)
        else:
            self._send_many(conn, params)

    # --- sending ----------------------------------------------------------------------------------

    def _plan(self, dialect: Dialect) -> _Plan:
        last_dialect, plan = self._last
        if dialect is last_dialect and plan is not None:
            return plan
        key = (dialect.name, dialect.driver, dialect.server_version_info, dialect.paramstyle)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _compile(self.statement, dialect, self.columns)
        self._last = (dialect, plan)
        return plan

    def _bound(self, plan: _Plan, params: Mapping[str, Any]) -> Any:
        values = plan.literals | dict(params) if plan.literals else params
        if plan.positional:
            return [values[name] if process is None else process(values[name]) for name, process in plan.binds]
        return {name: values[name] if process is None else process(values[name]) for name, process in plan.binds}

    def _send(self, conn: Runner, params: Mapping[str, Any], *, fetch: bool = True) -> list[Any]:
        # The usual case checked here, without a call: an open write transaction's link, and
        # the dialect this statement last ran on.
        if conn.__class__ is not Link or not conn.open:
            _require_transaction(conn)
        last_dialect, plan = self._last
        if conn.dialect is not last_dialect or plan is None:
            plan = self._plan(conn.dialect)
        bound = self._bound(plan, params)
        for observer in _observers:
            observer(plan.sql)
        raw: Any = conn.connection.dbapi_connection
        try:
            if plan.wire is not None:
                # The pending BEGIN and the commands ahead of it travel with it: one round trip.
                steps = pending_begin(conn) + list(self._lead_steps)
                steps.append(pg_pipeline.Step(plan.wire, bound, rows=fetch and plan.row is not None))
                fetched = pg_pipeline.run(raw, conn.info, steps)[-1] or []
            else:
                cursor = raw.execute(plan.sql, bound)
                # Whether there are rows is the statement's to say, not ``cursor.description``'s
                # (a column object per column, built on every execution).
                fetched = cursor.fetchall() if fetch and plan.row is not None else []
        except conn.dialect.loaded_dbapi.Error as error:
            raise as_sqlalchemy_error(conn, plan.sql, error) from error
        if not fetched or plan.row is None:
            return fetched
        # ``tuple.__new__`` is what the row type's ``_make`` calls, less a frame and a length
        # check the statement's own columns make needless.
        row, results = plan.row, plan.results
        if not results:
            return [_new_row(row, r) for r in fetched]
        rows: list[Any] = []
        for fetched_row in fetched:
            values = list(fetched_row)
            for i, process in results:
                if values[i] is not None:
                    values[i] = process(values[i])
            rows.append(_new_row(row, values))
        return rows

    def _send_many(self, conn: Runner, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        if self.lead:
            raise ValueError("a statement with commands ahead of it is sent once, not for many rows")
        _require_transaction(conn)
        raw: Any = conn.connection.dbapi_connection
        if conn.dialect.name == "postgresql":
            steps = pending_begin(conn) + self.steps(conn, rows)
            with driver_errors(conn, self._plan(conn.dialect).sql):
                pg_pipeline.run(raw, conn.info, steps)
            return
        plan = self._plan(conn.dialect)
        bound = [self._bound(plan, row) for row in rows]
        for observer in _observers:
            observer(plan.sql)
        with driver_errors(conn, plan.sql):
            raw.executemany(plan.sql, bound)

    def steps(self, conn: Runner, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[pg_pipeline.Step]:
        """PostgreSQL: the statement for its effect, once or once per row, as steps of a batch
        the caller sends (``Database`` sends the last writes with ``COMMIT``)."""
        if self.lead:
            raise ValueError("a statement with commands ahead of it is sent on its own")
        plan = self._plan(conn.dialect)
        if plan.wire is None:
            raise ValueError("steps of a pipeline are PostgreSQL's")
        rows = [params] if isinstance(params, Mapping) else params
        for observer in _observers:
            observer(plan.sql)
        return [pg_pipeline.Step(plan.wire, self._bound(plan, row)) for row in rows]


_new_row = tuple.__new__


def pending_begin(conn: Runner) -> list[pg_pipeline.Step]:
    """PostgreSQL: the commands that begin the transaction if they were not sent yet, as the
    first steps of the batch about to go (taken here, they are that batch's to send)."""
    begin = conn.info.pop(PENDING_BEGIN, None)
    return [pg_pipeline.command(sql) for sql in begin] if begin is not None else []


def _require_transaction(conn: Runner) -> None:
    # The driver, in the autocommit mode both databases run in here, would commit each
    # statement on its own. A direct statement therefore runs only where a transaction was
    # begun (``Database.write``, ``read``) or none is wanted (``read_one``).
    if isinstance(conn, Link):
        if conn.open:
            return
    elif conn.in_transaction() or conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    raise RuntimeError("a direct statement runs inside a transaction the caller began")


def _compile(statement: Any, dialect: Dialect, columns: list[str] | None) -> _Plan:
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    if any(bind.expanding for bind in compiled.binds.values()):
        raise ValueError("a direct statement has no expanding IN parameters: they are rendered per execution")
    sql = str(compiled)
    literals = {name: value for name, value in compiled.params.items() if value is not None}
    wire = None
    if compiled.positiontup is not None:
        positional, order = True, list(compiled.positiontup)
    elif dialect.name == "postgresql":
        positional, (wire, order) = True, _numbered(sql)
    else:
        positional, order = False, list(compiled.params)
    binds = tuple((name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in order)
    exported = list(getattr(statement, "exported_columns", ()))
    if not exported:
        return _Plan(sql, positional, literals, binds, None, (), wire)
    row = namedtuple("Row", [column.key for column in exported], rename=True)  # type: ignore[misc]
    processors = (column.type.dialect_impl(dialect).result_processor(dialect, None) for column in exported)
    results = tuple((i, process) for i, process in enumerate(processors) if process is not None)
    return _Plan(sql, positional, literals, binds, row, results, wire)


_PYFORMAT = re.compile(r"%\((\w+)\)s|%%|%")


def _numbered(sql: str) -> tuple[bytes, list[str]]:
    """pyformat SQL (``%(name)s``, ``%%`` for a percent sign) as the server's own ``$n``
    parameters, each name numbered at its first use, and the names in that order."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            if match.group(0) == "%":
                raise ValueError(f"a lone % in {sql!r}")
            return "%"
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    return _PYFORMAT.sub(number, sql).encode(), order


def as_sqlalchemy_error(conn: Runner, sql: str, error: Any) -> exc.StatementError:
    """The driver's ``error`` as SQLAlchemy raises it, a lost connection invalidated as
    SQLAlchemy does, for SQL sent to the driver past SQLAlchemy. The hot statements (here and
    in ``Database``) catch the driver's errors themselves, where ``driver_errors`` would cost
    three calls a statement, and raise this from them."""
    lost = conn.dialect.is_disconnect(error, conn.connection.dbapi_connection, None)
    if lost and not conn.invalidated:
        conn.invalidate(error)
    wrapped: exc.StatementError = exc.DBAPIError.instance(
        sql, None, error, conn.dialect.loaded_dbapi.Error, connection_invalidated=lost
    )
    return wrapped


class driver_errors:
    """Raise the driver's errors as SQLAlchemy raises them (``as_sqlalchemy_error``), around
    SQL sent to the driver past SQLAlchemy off the hot path (imports, many rows of one
    statement at once, a read's BEGIN)."""

    __slots__ = ("conn", "sql")

    def __init__(self, conn: Runner, sql: str) -> None:
        self.conn = conn
        self.sql = sql

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any) -> None:
        if error is None:
            return
        if isinstance(error, self.conn.dialect.loaded_dbapi.Error):
            raise as_sqlalchemy_error(self.conn, self.sql, error) from error
