"""Values the database refuses because of what a request carried are the client's mistake:
``InvalidData`` (a ``ValidationError``, not retryable), never a ``StorageError`` whose text a
client could read, nor a retryable one."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from dbsupport import database_of
from voucher_engine import Engine, EngineConfig
from voucher_engine.errors import InvalidData, StorageError, ValidationError
from voucher_engine.providers import STORAGE_MESSAGE, FailureKind, failure_of


@pytest.mark.postgresql
@pytest.mark.parametrize(
    ("sql", "value"),
    [
        ("SELECT CAST(:v AS integer)", 2**40),  # numeric value out of range
        ("SELECT CAST(:v AS text)", "a\x00b"),  # PostgreSQL text cannot hold NUL
    ],
    ids=["out-of-range", "nul"],
)
def test_postgresql_refusing_a_value_is_invalid_data(pg_url: str, sql: str, value: object) -> None:
    with (
        Engine.open(pg_url, config=EngineConfig(auto_migrate=False)) as engine,
        pytest.raises(InvalidData) as raised,
        database_of(engine).read() as conn,
    ):
        conn.execute(text(sql), {"v": value})
    error = raised.value
    assert isinstance(error, ValidationError) and not error.retryable
    assert error.message == "a value in the request cannot be stored"
    assert error.details["cause"]  # the driver's text, for the logs
    failure = failure_of(error)
    assert (failure.kind, failure.retry_after, failure.message) == (FailureKind.INVALID, None, error.message)


def test_sqlite_refusing_a_number_beyond_64_bits_is_invalid_data(sqlite_url: str) -> None:
    with (
        Engine.open(sqlite_url, config=EngineConfig(auto_migrate=False)) as engine,
        pytest.raises(InvalidData),
        database_of(engine).read() as conn,
    ):
        conn.execute(text("SELECT :v"), {"v": 2**70})


def test_a_storage_errors_driver_text_never_reaches_a_failure() -> None:
    failure = failure_of(StorageError('relation "staff_users" does not exist'))
    assert (failure.kind, failure.message) == (FailureKind.UNAVAILABLE, STORAGE_MESSAGE)
