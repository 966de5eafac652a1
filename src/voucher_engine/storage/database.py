"""The database wrapper: one SQLAlchemy engine, write and read transactions with the
SQLite and PostgreSQL rules of the design, and the translation of driver errors.

SQLite: WAL, ``BEGIN IMMEDIATE`` for every write transaction (a deferred transaction that
later upgrades to a write fails at once with "database is locked", whatever the busy
timeout), the writers of one process taking turns on a lock before it, all of them on one
connection kept for writing (``_writer_link``), a busy timeout, foreign keys on, and
``synchronous=FULL`` by default: a committed redemption survives a power cut. ``NORMAL`` is
faster and survives application crashes only; a deployment may choose it knowingly.

PostgreSQL (psycopg 3): READ COMMITTED with every money movement a conditional UPDATE, a short
``lock_timeout`` so a stuck row lock surfaces as a retryable ``Conflict`` instead of a hung
request. Round trips are what a transaction costs there (docs/architecture.md, "Round trips"):
no pre-ping, ``BEGIN`` travels in one pipeline with the transaction's first statement, and
``commit_with`` sends a command's last writes with its ``COMMIT``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Connection, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import PoolProxiedConnection

from voucher_engine.errors import AlreadyExists, Conflict, InvalidData, StorageError
from voucher_engine.storage import pg_pipeline
from voucher_engine.storage.direct import PENDING_BEGIN, Direct, as_sqlalchemy_error, driver_errors, pending_begin
from voucher_engine.storage.link import LINKED, Link

_READ_ONLY = "voucher_engine_read_only"
_BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
_COMMIT = pg_pipeline.command("COMMIT")
#: Key in a SQLite connection's ``info``: the busy timeout last set on it, in ms.
_BUSY_MS = "voucher_engine_busy_ms"


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


# JSON columns (events, attributes, windows) through msgspec: a few JSON values go in or out of
# every command, and the standard library's ``json`` costs several times as much per value.
_JSON: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": msgspec.json.decode}


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    sqlite_synchronous: str = "FULL"
    sqlite_busy_timeout_s: float = 30.0
    pg_lock_timeout_ms: int = 3000
    pool_size: int = 10
    max_overflow: int = 20
    echo: bool = False


class Database:
    def __init__(self, url: str, settings: DatabaseSettings | None = None) -> None:
        self.settings = settings = settings or DatabaseSettings()
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.url = parsed
        self.dialect = parsed.get_backend_name()
        #: SQLite: the pooled connection every write of this ``Database`` runs on, while it
        #: holds ``_writers`` (``_writer_link``).
        self._writer: PoolProxiedConnection | None = None
        if self.dialect == "sqlite":
            if parsed.database in (None, "", ":memory:"):
                raise StorageError("the embedded engine needs a SQLite file, not :memory:")
            if settings.pool_size + settings.max_overflow < 2:
                raise StorageError("SQLite needs two connections at least: one kept for writing, one to read")
            self.sa = create_engine(
                parsed,
                echo=settings.echo,
                connect_args={"timeout": settings.sqlite_busy_timeout_s, "check_same_thread": False},
                pool_size=settings.pool_size,
                max_overflow=settings.max_overflow,
                **_JSON,
            )
            self._configure_sqlite()
            self._writers: threading.Lock | None = _writers_of(parsed.database)
        elif self.dialect == "postgresql":
            self.sa = create_engine(
                parsed,
                echo=settings.echo,
                pool_size=settings.pool_size,
                max_overflow=settings.max_overflow,
                # No pre-ping: it is a round trip before every transaction. A connection found
                # dead at the first statement is safe to retry (nothing was sent but BEGIN);
                # ``write`` turns that into a retryable ``Conflict`` (see ``_is_lost``).
                pool_pre_ping=False,
                **_JSON,
                connect_args={"options": f"-c lock_timeout={settings.pg_lock_timeout_ms}"},
            )
            self._configure_postgresql()
            self._writers = None  # row locks: writers of one process do not queue on one lock
        else:
            raise StorageError(f"unsupported database {self.dialect!r}: use sqlite or postgresql")

    def _configure_sqlite(self) -> None:
        synchronous = self.settings.sqlite_synchronous.upper()
        if synchronous not in {"FULL", "NORMAL", "EXTRA"}:
            raise StorageError("sqlite_synchronous is FULL, EXTRA or NORMAL")

        @event.listens_for(self.sa, "connect")
        def _connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            # Take transaction control from the sqlite3 module so that we issue BEGIN ourselves.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(self.settings.sqlite_busy_timeout_s * 1000)}")
            cursor.close()

        @event.listens_for(self.sa, "begin")
        def _begin(conn: Connection) -> None:
            if conn.get_execution_options().get(LINKED, False):
                return  # in a write transaction a ``Link`` began
            # Straight to the driver: SQLAlchemy's execute path (a cursor, a result, events)
            # costs more than SQLite's own BEGIN. Its errors are wrapped as SQLAlchemy would,
            # so ``translated`` sees a busy database as the same retryable ``Conflict``.
            with driver_errors(conn, "BEGIN"):
                conn.connection.dbapi_connection.execute("BEGIN")  # type: ignore[union-attr]

    def _configure_postgresql(self) -> None:
        """Transactions that cost no round trip of their own.

        psycopg sends ``BEGIN`` and waits for its answer before the first statement. Instead,
        the connection runs in psycopg's autocommit mode and the engine opens transactions
        itself: the ``begin`` event only notes the BEGIN, and the first statement sends it in
        one pipeline with itself (one round trip for both). ``COMMIT`` and ``ROLLBACK`` still
        go through psycopg, which sends them whenever the server reports an open transaction.
        """

        @event.listens_for(self.sa, "connect")
        def _connect(dbapi_connection: Any, record: Any) -> None:
            pg_pipeline.adopt(dbapi_connection, record.info)  # the direct statements prepared once, kept

        @event.listens_for(self.sa, "checkout")
        def _checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            # On every checkout: SQLAlchemy restores the default isolation level when a
            # connection that asked for another one (AUTOCOMMIT for VACUUM) is returned, and
            # that switches psycopg's autocommit off. No round trip: psycopg only notes it.
            dbapi_connection.autocommit = True

        @event.listens_for(self.sa, "begin")
        def _begin(conn: Connection) -> None:
            options = conn.get_execution_options()
            if options.get("isolation_level") == "AUTOCOMMIT" or options.get(LINKED, False):
                return  # the caller asked for no transaction at all, or a ``Link`` began it
            conn.info[PENDING_BEGIN] = (_BEGIN_READ,) if options.get(_READ_ONLY, False) else ("BEGIN",)

        def _settled(conn: Connection) -> None:
            if not conn.invalidated:  # a lost connection's info goes with it
                conn.info.pop(PENDING_BEGIN, None)

        event.listen(self.sa, "commit", _settled)
        event.listen(self.sa, "rollback", _settled)

        def _with_begin(cursor: Any, context: Any, send: Callable[[], object]) -> bool:
            try:
                begin = context.root_connection.info.pop(PENDING_BEGIN, None)
            except (AttributeError, NotImplementedError):  # the dialect's first-connect probe
                return False
            if begin is None:
                return False
            with cursor.connection.pipeline():
                for command in begin:
                    cursor.execute(command)
                send()
            return True

        @event.listens_for(self.sa, "do_execute", retval=True)
        def _execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
            return _with_begin(cursor, context, lambda: cursor.execute(statement, parameters)) or None

        @event.listens_for(self.sa, "do_execute_no_params", retval=True)
        def _execute_no_params(cursor: Any, statement: str, context: Any) -> bool | None:
            return _with_begin(cursor, context, lambda: cursor.execute(statement)) or None

        @event.listens_for(self.sa, "do_executemany", retval=True)
        def _executemany(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
            return _with_begin(cursor, context, lambda: cursor.executemany(statement, parameters)) or None

    @contextmanager
    def write(self, *, max_wait_s: float | None = None) -> Iterator[Link]:
        """A write transaction: committed when the block ends, rolled back on any error.

        ``max_wait_s`` caps how long it waits for a lock (SQLite: the busy timeout of its
        ``BEGIN IMMEDIATE``; PostgreSQL: ``lock_timeout``) below the configured timeout, so
        a caller retrying conflicts can keep its total wait within a budget.

        A connection lost before COMMIT was sent leaves nothing behind (the server rolls an
        unfinished transaction back), so it is a retryable ``Conflict``. One lost during COMMIT
        is not: the outcome is unknown, and it surfaces as a ``StorageError``; the caller's
        retry with the same idempotency key then returns the committed result or runs once.
        """
        self._take_turn(max_wait_s)
        try:
            with self.translated():
                link = self._checkout() if self._writers is None else self._writer_link()
                try:
                    self._begin(link, max_wait_s)
                    try:
                        yield link
                        if link.open:
                            self._commit(link)
                    except exc.DBAPIError as error:
                        self._rollback(link)
                        if _is_lost(error):
                            lost = str(error.orig)
                            raise Conflict("the database connection was lost; try again", cause=lost) from error
                        raise
                    except BaseException:
                        self._rollback(link)
                        raise
                finally:
                    self._release(link)
        finally:
            if self._writers is not None:
                self._writers.release()

    def _release(self, link: Link) -> None:
        """The link's connection back to the pool, or kept for the next write (SQLite)."""
        # The pooled connection's info outlives this transaction: a BEGIN left pending (an
        # error before anything was sent) must not reach the next one's first batch.
        link.info.pop(PENDING_BEGIN, None)
        if link.connection is not self._writer:
            link.connection.close()
        elif link.invalidated:
            self._writer = None
            link.connection.close()  # the pool discards it; the next write opens another

    def _writer_link(self) -> Link:
        """SQLite: a link on the connection kept for writing, for the write that holds
        ``_writers``. The writes of a process take turns anyway, so one connection serves them
        all: none pays a checkout and a return (the pool's reset, a ROLLBACK) inside the file's
        write lock, and its page cache is not thrown away because another connection wrote
        last (WAL drops a connection's cache whenever the database changed since it last read)."""
        if self._writer is None:
            self._writer = self._checkout().connection
        return Link(self.sa, self._writer)

    def _checkout(self) -> Link:
        try:
            return Link(self.sa, self.sa.raw_connection())
        except self.sa.dialect.loaded_dbapi.Error as error:
            # Raised as SQLAlchemy raises a failed connect, for ``translated``.
            lost = self.sa.dialect.is_disconnect(error, None, None)
            raise exc.DBAPIError.instance(
                None, None, error, self.sa.dialect.loaded_dbapi.Error, connection_invalidated=lost
            ) from error

    def _begin(self, link: Link, max_wait_s: float | None) -> None:
        if self.dialect == "postgresql":
            # Sent with the transaction's first statement, in one round trip (``direct``).
            begin: tuple[str, ...] = ("BEGIN",)
            if max_wait_s is not None and max_wait_s * 1000 < self.settings.pg_lock_timeout_ms:
                # Only when lower than the session's, and then it travels with BEGIN.
                begin += (f"SET LOCAL lock_timeout = {self._wait_ms(self.settings.pg_lock_timeout_ms, max_wait_s)}",)
            link.info[PENDING_BEGIN] = begin
            return
        # Before BEGIN IMMEDIATE waits; sent only when it changes (the connection keeps it), in
        # steps of 100 ms so that a budget that shrinks by microseconds from one write to the
        # next does not cost a statement per write.
        busy_ms = self._wait_ms(self.settings.sqlite_busy_timeout_s * 1000, max_wait_s)
        if busy_ms > 100:
            busy_ms -= busy_ms % 100
        raw = link.raw
        try:
            if link.info.get(_BUSY_MS) != busy_ms:
                raw.execute(f"PRAGMA busy_timeout={busy_ms}")
                link.info[_BUSY_MS] = busy_ms
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise as_sqlalchemy_error(link, "BEGIN IMMEDIATE", error) from error

    def _rollback(self, link: Link) -> None:
        """Roll back what was sent; a connection that cannot say is discarded (closing it rolls
        back on the server), and the error that led here is the one raised."""
        if not link.open:
            return
        link.open = False
        if link.invalidated or link.info.pop(PENDING_BEGIN, None) is not None:
            return  # gone, or nothing was sent: nothing to undo
        try:
            link.raw.rollback()
        except self.sa.dialect.loaded_dbapi.Error as error:
            link.invalidate(error)

    def _take_turn(self, max_wait_s: float | None) -> None:
        """SQLite: the writers of this process take turns on a lock of the file's before
        ``BEGIN IMMEDIATE`` (``write`` releases it). SQLite's own busy handler makes a writer
        that finds the file locked sleep in growing steps (up to 100 ms) however soon the lock
        is free, so under load a few writes waited tens of milliseconds behind writes that took
        one: a lock wakes the next writer when the last one is done. Writers of other processes
        (a worker) still meet in SQLite's busy handler."""
        if self._writers is None:
            return
        wait_s = self._wait_ms(self.settings.sqlite_busy_timeout_s * 1000, max_wait_s) / 1000
        if not self._writers.acquire(timeout=wait_s):
            raise Conflict("the database is busy; try again")

    def _commit(self, link: Link, writes: Sequence[tuple[Direct, Any]] = ()) -> None:
        """On an error the transaction is left to ``write``, which rolls back what is left."""
        raw = link.raw
        try:
            if self.dialect == "postgresql":
                # The last writes and COMMIT in one pipeline: one round trip. An error in any of
                # them aborts the transaction and the server skips the rest, COMMIT included;
                # the error is raised once the pipeline's results are read, and ``write``
                # rolls back.
                steps = pending_begin(link)  # when nothing was sent in it yet
                if steps and not writes:
                    link.open = False
                    return  # nothing was sent, nothing to commit
                for statement, params in writes:
                    steps += statement.steps(link, params)
                steps.append(_COMMIT)
                try:
                    pg_pipeline.run(raw, link.info, steps)
                except link.dialect.loaded_dbapi.Error as error:
                    raise as_sqlalchemy_error(link, "COMMIT", error) from error
            else:
                for statement, params in writes:
                    statement.run(link, params)
                try:
                    raw.commit()
                except sqlite3.Error as error:
                    raise as_sqlalchemy_error(link, "COMMIT", error) from error
        except exc.DBAPIError as error:
            if _is_lost(error):
                raise StorageError(
                    "the database connection was lost while committing: the outcome is unknown; "
                    "retry with the same idempotency key"
                ) from error
            raise
        link.open = False

    def commit_with(self, link: Link, writes: Sequence[tuple[Direct, Any]]) -> None:
        """Run ``writes`` (statements with no result anyone reads) and commit, in one round
        trip on PostgreSQL. ``write`` then has nothing left to commit."""
        self._commit(link, writes)

    @staticmethod
    def _wait_ms(configured_ms: float, max_wait_s: float | None) -> int:
        # At least 1 ms: a timeout of 0 means "wait forever" to PostgreSQL.
        wait = configured_ms if max_wait_s is None else min(configured_ms, max_wait_s * 1000)
        return max(1, int(wait))

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (one consistent snapshot on both databases)."""
        # On PostgreSQL the snapshot's isolation travels in the BEGIN (see _configure_postgresql).
        # A read is always safe to run again: a lost connection is a retryable Conflict.
        with (
            self.translated(),
            self.sa.connect() as conn,
            _lost_is_retryable(),
            conn.execution_options(**{_READ_ONLY: True}).begin(),
        ):
            yield conn

    @contextmanager
    def read_one(self) -> Iterator[Connection]:
        """A connection for exactly one read statement, which is consistent on its own: on
        PostgreSQL it runs outside a transaction (one round trip, where ``read`` costs two);
        on SQLite it is ``read``."""
        if self.dialect != "postgresql":
            with self.read() as conn:
                yield conn
            return
        with self.translated(), self.sa.connect() as conn, _lost_is_retryable():
            yield conn.execution_options(isolation_level="AUTOCOMMIT")

    def translated(self) -> AbstractContextManager[None]:
        """Driver errors as the engine's: a unique violation is ``AlreadyExists``, a lock
        timeout or serialization failure a retryable ``Conflict`` (``_translation``)."""
        return _TRANSLATED

    def dispose(self) -> None:
        """Close every connection; a write under way finishes first (SQLite's writer
        connection is closed once no write holds it)."""
        if self._writers is not None:
            with self._writers:
                writer, self._writer = self._writer, None
            if writer is not None:
                writer.close()
        self.sa.dispose()


# One lock per SQLite file and process, shared by every Database opened on it (a host may open
# several engines on one file).
_file_writers: dict[str, threading.Lock] = {}
_file_writers_lock = threading.Lock()


def _writers_of(path: str) -> threading.Lock:
    key = os.path.realpath(path)
    with _file_writers_lock:
        return _file_writers.setdefault(key, threading.Lock())


def _translation(error: BaseException) -> Exception | None:
    """The engine's error for a driver's, or None where there is none to give."""
    if isinstance(error, exc.IntegrityError):
        if is_unique_violation(error):
            return AlreadyExists("that object already exists", constraint=str(error.orig))
        return StorageError(f"a database constraint refused the change: {error.orig}")
    if isinstance(error, exc.DataError):
        # A value the request carried and the database refused (NUL in a string, a number
        # out of range): the client's mistake, and the same request will always fail.
        return InvalidData("a value in the request cannot be stored", cause=str(error.orig))
    if isinstance(error, exc.DBAPIError):
        if _is_conflict(error):
            return Conflict("the database is busy; try again", cause=str(error.orig))
        return StorageError(str(error.orig))
    if isinstance(error, exc.SQLAlchemyError):  # e.g. no pooled connection in time
        return StorageError(str(error))
    if isinstance(error, OverflowError) and "SQLite INTEGER" in str(error):
        # sqlite3 refuses an int beyond 64 bits with a bare OverflowError (SQLAlchemy does
        # not wrap it): PostgreSQL's out-of-range DataError, in SQLite's words.
        return InvalidData("a value in the request cannot be stored", cause=str(error))
    return None


class _Translated:
    """``Database.translated``: a class, not a generator, as it wraps every transaction (a
    generator's context manager costs about three times as much)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any) -> None:
        if error is None:
            return
        translated = _translation(error)
        if translated is not None:
            raise translated from error


_TRANSLATED = _Translated()

_PG_CONFLICTS = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def is_unique_violation(error: exc.IntegrityError) -> bool:
    code: str | None = getattr(error.orig, "sqlstate", None)
    if code is not None:
        return code == "23505"
    return "UNIQUE constraint failed" in str(error.orig) or "PRIMARY KEY" in str(error.orig)


@contextmanager
def _lost_is_retryable() -> Iterator[None]:
    try:
        yield
    except exc.DBAPIError as error:
        if _is_lost(error):
            raise Conflict("the database connection was lost; try again", cause=str(error.orig)) from error
        raise


def _is_lost(error: exc.DBAPIError) -> bool:
    """The connection died (SQLAlchemy invalidated it), as opposed to a refused statement."""
    return bool(error.connection_invalidated)


def _is_conflict(error: exc.DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None)
    if code is not None:
        return code in _PG_CONFLICTS
    message = str(error.orig)
    return "database is locked" in message or "database is busy" in message
