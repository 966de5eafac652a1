"""The database wrapper: one SQLAlchemy engine, write and read transactions with the
SQLite and PostgreSQL rules of the design, and the translation of driver errors.

SQLite: WAL, ``BEGIN IMMEDIATE`` for every write transaction (a deferred transaction that
later upgrades to a write fails at once with "database is locked", whatever the busy
timeout), a busy timeout, foreign keys on, and ``synchronous=FULL`` by default: a committed
redemption survives a power cut. ``NORMAL`` is faster and survives application crashes only;
a deployment may choose it knowingly.

PostgreSQL (psycopg 3): READ COMMITTED with every money movement a conditional UPDATE, a short
``lock_timeout`` so a stuck row lock surfaces as a retryable ``Conflict`` instead of a hung
request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, create_engine, event, exc
from sqlalchemy.engine import make_url

from voucher_engine.errors import AlreadyExists, Conflict, InvalidData, StorageError

_WRITE = "voucher_engine_write"


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
        if self.dialect == "sqlite":
            if parsed.database in (None, "", ":memory:"):
                raise StorageError("the embedded engine needs a SQLite file, not :memory:")
            self.sa = create_engine(
                parsed,
                echo=settings.echo,
                connect_args={"timeout": settings.sqlite_busy_timeout_s, "check_same_thread": False},
                pool_size=settings.pool_size,
                max_overflow=settings.max_overflow,
            )
            self._configure_sqlite()
        elif self.dialect == "postgresql":
            self.sa = create_engine(
                parsed,
                echo=settings.echo,
                pool_size=settings.pool_size,
                max_overflow=settings.max_overflow,
                pool_pre_ping=True,
                connect_args={"options": f"-c lock_timeout={settings.pg_lock_timeout_ms}"},
            )
        else:
            raise StorageError(f"unsupported database {self.dialect!r}: use sqlite or postgresql")

    def _configure_sqlite(self) -> None:
        synchronous = self.settings.sqlite_synchronous.upper()
        if synchronous not in {"FULL", "NORMAL", "EXTRA"}:
            raise StorageError("sqlite_synchronous is FULL, EXTRA or NORMAL")

        @event.listens_for(self.sa, "connect")
        def _connect(dbapi_connection, _record) -> None:  # noqa: ANN001
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
            write = conn.get_execution_options().get(_WRITE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    @contextmanager
    def write(self, *, max_wait_s: float | None = None) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back on any error.

        ``max_wait_s`` caps how long it waits for a lock (SQLite: the busy timeout of its
        ``BEGIN IMMEDIATE``; PostgreSQL: ``lock_timeout``) below the configured timeout, so
        a caller retrying conflicts can keep its total wait within a budget."""
        with self.translated(), self.sa.connect() as conn:
            conn = conn.execution_options(**{_WRITE: True})
            if self.dialect == "sqlite":
                # Set on every write (the pooled connection keeps it), before BEGIN IMMEDIATE waits.
                busy_ms = self._wait_ms(self.settings.sqlite_busy_timeout_s * 1000, max_wait_s)
                raw = conn.connection.dbapi_connection
                if raw is not None:  # None only for a closed connection, which fails below
                    raw.execute(f"PRAGMA busy_timeout={busy_ms}")
            with conn.begin():
                if self.dialect == "postgresql" and max_wait_s is not None \
                        and max_wait_s * 1000 < self.settings.pg_lock_timeout_ms:
                    # Only when lower than the session's: no extra round trip in the usual case.
                    lock_ms = self._wait_ms(self.settings.pg_lock_timeout_ms, max_wait_s)
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {lock_ms}")
                yield conn

    @staticmethod
    def _wait_ms(configured_ms: float, max_wait_s: float | None) -> int:
        # At least 1 ms: a timeout of 0 means "wait forever" to PostgreSQL.
        wait = configured_ms if max_wait_s is None else min(configured_ms, max_wait_s * 1000)
        return max(1, int(wait))

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (one consistent snapshot on both databases)."""
        with self.translated(), self.sa.connect() as conn, conn.begin():
            if self.dialect == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield conn

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Driver errors as the engine's: a unique violation is ``AlreadyExists``, a lock
        timeout or serialization failure a retryable ``Conflict``."""
        try:
            yield
        except exc.IntegrityError as error:
            if _is_unique_violation(error):
                raise AlreadyExists("that object already exists", constraint=str(error.orig)) from error
            raise StorageError(f"a database constraint refused the change: {error.orig}") from error
        except exc.DataError as error:
            # A value the request carried and the database refused (NUL in a string, a number
            # out of range): the client's mistake, and the same request will always fail.
            raise InvalidData("a value in the request cannot be stored", cause=str(error.orig)) from error
        except exc.OperationalError as error:
            if _is_conflict(error):
                raise Conflict("the database is busy; try again", cause=str(error.orig)) from error
            raise StorageError(str(error.orig)) from error
        except exc.DBAPIError as error:
            if _is_conflict(error):
                raise Conflict("the database is busy; try again", cause=str(error.orig)) from error
            raise StorageError(str(error.orig)) from error
        except exc.SQLAlchemyError as error:  # e.g. no pooled connection in time
            raise StorageError(str(error)) from error
        except OverflowError as error:
            # sqlite3 refuses an int beyond 64 bits with a bare OverflowError (SQLAlchemy does
            # not wrap it): PostgreSQL's out-of-range DataError, in SQLite's words.
            if "SQLite INTEGER" not in str(error):
                raise
            raise InvalidData("a value in the request cannot be stored", cause=str(error)) from error

    def dispose(self) -> None:
        self.sa.dispose()


_PG_CONFLICTS = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def _is_unique_violation(error: exc.IntegrityError) -> bool:
    code = getattr(error.orig, "sqlstate", None)
    if code is not None:
        return code == "23505"
    return "UNIQUE constraint failed" in str(error.orig) or "PRIMARY KEY" in str(error.orig)


def _is_conflict(error: exc.DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None)
    if code is not None:
        return code in _PG_CONFLICTS
    message = str(error.orig)
    return "database is locked" in message or "database is busy" in message
