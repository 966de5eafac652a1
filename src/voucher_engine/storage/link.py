"""A write transaction on a pooled DBAPI connection, without SQLAlchemy's ``Connection``.

Checking a ``Connection`` out, beginning, committing and closing it cost about 17 us of Python
per transaction on SQLite (its transaction bookkeeping and event dispatch), four times SQLite's
own ``BEGIN IMMEDIATE`` and ``COMMIT``. The hot commands send only direct statements
(``direct.py``), which need nothing but the DBAPI connection. A ``Link`` is that connection,
checked out of SQLAlchemy's pool, in a transaction ``Database.write`` began, commits and rolls
back itself.

A command that runs SQLAlchemy statements too asks for ``sql``: a ``Connection`` on the same
DBAPI connection, inside the same transaction, made on first use. Its own ``begin`` does
nothing (``Database`` sees the ``LINKED`` execution option), and it is never committed or
closed: ``Database.write`` ends the transaction on the link and returns the connection to the
pool.

A ``Link`` answers the few things a direct statement asks of a ``Connection`` (``dialect``,
``connection.dbapi_connection``, ``info``, ``invalidated``, ``invalidate``), so ``Direct`` runs
on either.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.pool import PoolProxiedConnection

#: Execution option of the ``Connection`` a ``Link`` makes: its transaction is the link's.
LINKED = "voucher_engine_linked"


class Link:
    __slots__ = ("_engine", "_sql", "connection", "dialect", "info", "open")

    def __init__(self, engine: Engine, connection: PoolProxiedConnection) -> None:
        self._engine = engine
        self.dialect = engine.dialect
        #: The pool's proxy of the DBAPI connection (as ``Connection.connection``).
        self.connection = connection
        #: The pooled connection's ``info``, shared with any ``Connection`` on it.
        self.info = connection.info
        #: Whether the transaction is still to be committed or rolled back.
        self.open = True
        self._sql: Connection | None = None

    @property
    def sql(self) -> Connection:
        """A SQLAlchemy ``Connection`` in this transaction, for statements that are not direct."""
        if self._sql is None:
            sql = Connection(self._engine, connection=self.connection).execution_options(**{LINKED: True})
            sql.begin()  # SQLAlchemy's bookkeeping only: the transaction is under way
            self._sql = sql
        return self._sql

    @property
    def raw(self) -> Any:
        """The DBAPI connection."""
        return self.connection.dbapi_connection

    @property
    def invalidated(self) -> bool:
        return not self.connection.is_valid

    def invalidate(self, error: BaseException | None = None) -> None:
        """The connection is unusable (lost, or left in an unknown state): the pool discards it."""
        self.connection.invalidate(error)
