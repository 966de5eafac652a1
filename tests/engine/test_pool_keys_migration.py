"""Migration 0010: codes no longer refer to their pool (a per-row check that halved COPY),
issues refer to their code; it keeps every row, matches ``tables.py`` and goes back down."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import exc, inspect, text

from dbsupport import changed_by_0012
from voucher_engine.storage import migrate
from voucher_engine.storage.database import Database
from voucher_engine.storage.tables import metadata

AT = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
ISSUE = (
    "INSERT INTO pool_issues (tenant_id, pool_id, seq, code, attributes, issued_at)"
    " VALUES ('t', 'p', :seq, :code, '{}', :at)"
)


def _referred(db: Database, table: str) -> list[tuple[str, tuple[str, ...]]]:
    return sorted(
        (fk["referred_table"], tuple(fk["constrained_columns"])) for fk in inspect(db.sa).get_foreign_keys(table)
    )


def test_0010_moves_the_pool_keys_and_keeps_the_rows(database_url) -> None:
    db = Database(database_url)
    try:
        migrate.upgrade(db, "0009")
        with db.sa.begin() as conn:
            conn.execute(text("INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', :at)"), {"at": AT})
            conn.execute(
                text("INSERT INTO pools (tenant_id, id, name, size, cursor, created_at) VALUES ('t','p','p',2,1,:at)"),
                {"at": AT},
            )
            conn.execute(text("INSERT INTO pool_codes VALUES ('t', 'p', 1, 'A'), ('t', 'p', 2, 'B')"))
            conn.execute(text(ISSUE), {"seq": 1, "code": "A", "at": AT})

        migrate.upgrade(db, "0010")
        assert _referred(db, "pool_codes") == []
        assert _referred(db, "pool_issues") == [("pool_codes", ("tenant_id", "pool_id", "seq"))]
        with db.sa.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pool_codes")).scalar_one() == 2
            assert conn.execute(text("SELECT code FROM pool_issues")).scalars().all() == ["A"]
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        # About the two tables this migration changes (pool_lanes comes with 0011, the unique
        # key led by the code with 0012).
        mine = [d for d in diffs if "pool_codes" in repr(d) or "pool_issues" in repr(d)]
        assert [d for d in mine if not changed_by_0012(d)] == []
        # An issue of a code that is not in the pool is refused by the database itself.
        with pytest.raises(exc.IntegrityError), db.sa.begin() as conn:
            if db.dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.execute(text(ISSUE), {"seq": 3, "code": "C", "at": AT})

        migrate.downgrade(db, "0009")
        assert _referred(db, "pool_codes") == [("pools", ("tenant_id", "pool_id"))]
        assert _referred(db, "pool_issues") == [("pools", ("tenant_id", "pool_id"))]
        with db.sa.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pool_issues")).scalar_one() == 1
    finally:
        db.dispose()
