"""``UTCDateTime`` on SQLite converts in one step each way (storage/types.py), and what it
writes and reads is exactly what SQLAlchemy's own SQLite ``DATETIME`` under the decorator's
``process_bind_param`` / ``process_result_value`` would: the rows written before this change
read the same, and text compares as before (the expiry sweep's ``<``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import DATETIME

from voucher_engine.storage.types import UTCDateTime

DIALECT = sqlite.dialect()
INSTANTS = [
    datetime(2026, 11, 30, 15, 59, 24, 123456, tzinfo=UTC),
    datetime(2026, 11, 30, 15, 59, 24, tzinfo=UTC),  # no microseconds: still written
    datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=2))),  # another offset
    datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),  # a year of three digits, zero-padded
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


def _sqlalchemy_text(instant: datetime) -> str:
    reference = UTCDateTime()
    naive = reference.process_bind_param(instant, DIALECT)
    return DATETIME().bind_processor(DIALECT)(naive)


@pytest.mark.parametrize("instant", INSTANTS, ids=str)
def test_sqlite_text_is_sqlalchemys(instant: datetime) -> None:
    column_type = UTCDateTime().dialect_impl(DIALECT)
    written = column_type.bind_processor(DIALECT)(instant)
    assert written == _sqlalchemy_text(instant)
    read = column_type.result_processor(DIALECT, None)(written)
    expected = UTCDateTime().process_result_value(DATETIME().result_processor(DIALECT, None)(written), DIALECT)
    assert read == expected == instant
    assert read.tzinfo is UTC


def test_sqlite_text_sorts_as_the_instants() -> None:
    convert = UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
    assert sorted(INSTANTS) == sorted(INSTANTS, key=convert)


def test_text_without_microseconds_reads_too() -> None:
    """Text another writer may have left (SQLite's CURRENT_TIMESTAMP)."""
    read = UTCDateTime().dialect_impl(DIALECT).result_processor(DIALECT, None)
    assert read("2026-11-30 15:59:24") == datetime(2026, 11, 30, 15, 59, 24, tzinfo=UTC)
    assert read(None) is None


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)(datetime(2026, 1, 1))
