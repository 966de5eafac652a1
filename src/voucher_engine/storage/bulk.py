"""Many rows in at the driver's speed: PostgreSQL's ``COPY``, SQLite's ``executemany``.

For imports (a pool's codes): ``insert_all_or_none`` writes every row or, when a unique
constraint refuses one of them, none (back to a savepoint) and says so, so that the caller can
fall back to a statement that skips what exists. Nothing is read first: the unique index
decides, once per row, as it would for any insert.

Both go to the driver directly, past SQLAlchemy's execute path: per row that path costs more
than the database's own insert. The driver's errors are raised as SQLAlchemy's
(``direct.driver_errors``), so ``Database.translated`` maps them as it maps every other
statement's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, exc

from voucher_engine.storage.database import is_unique_violation
from voucher_engine.storage.direct import driver_errors


def insert_all_or_none(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bool:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``; False, with nothing
    inserted and the transaction still usable, when a unique constraint refused a row."""
    driver = conn.connection.driver_connection
    names = ", ".join(columns)
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:
        sql = f"COPY {table.name} ({names}) FROM STDIN"
    else:
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' for _ in columns)})"
    savepoint = conn.begin_nested()
    try:
        with driver_errors(conn, sql):
            if postgresql:
                _copy(driver, sql, rows)
            else:
                _executemany(driver, sql, rows)
    except exc.IntegrityError as error:
        savepoint.rollback()
        if is_unique_violation(error):
            return False
        raise
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return True


def _copy(driver: Any, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    # Rows stream into COPY as they come: the caller's batch is the only copy in memory.
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _executemany(driver: Any, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    cursor = driver.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()
