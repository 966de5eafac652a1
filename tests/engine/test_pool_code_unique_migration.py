"""Migration 0012: pool_codes' unique key led by the code, so that the pool's prefix belongs to
the primary key alone (a pop's lookup by number, tests/engine/test_pop_cost.py). It keeps every
row, still refuses a code twice in a pool, matches ``tables.py`` and goes back down."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import exc, inspect, text

from voucher_engine.storage import migrate
from voucher_engine.storage.database import Database
from voucher_engine.storage.tables import metadata

AT = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)


def _unique_keys(db: Database) -> list[tuple[str, ...]]:
    return sorted(tuple(u["column_names"]) for u in inspect(db.sa).get_unique_constraints("pool_codes"))


def test_0012_leads_the_unique_key_with_the_code_and_back(database_url) -> None:
    db = Database(database_url)
    try:
        migrate.upgrade(db, "0011")
        with db.sa.begin() as conn:
            conn.execute(text("INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', :at)"), {"at": AT})
            conn.execute(
                text("INSERT INTO pools (tenant_id, id, name, size, created_at) VALUES ('t','p','p',2,:at)"), {"at": AT}
            )
            conn.execute(text("INSERT INTO pool_codes VALUES ('t', 'p', 1, 'A'), ('t', 'p', 2, 'B')"))
            conn.execute(
                text(
                    "INSERT INTO pool_issues (tenant_id, pool_id, seq, code, attributes, issued_at)"
                    " VALUES ('t', 'p', 1, 'A', '{}', :at)"
                ),
                {"at": AT},
            )
        assert _unique_keys(db) == [("tenant_id", "pool_id", "code")]

        migrate.upgrade(db, "0012")
        assert _unique_keys(db) == [("code", "tenant_id", "pool_id")]
        with db.sa.connect() as conn:
            assert conn.execute(text("SELECT code FROM pool_codes ORDER BY seq")).scalars().all() == ["A", "B"]
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
            if db.dialect == "sqlite":  # the rebuilt table: the reference to its code holds
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.execute(text("SELECT code FROM pool_issues")).scalars().all() == ["A"]
        assert [d for d in diffs if "pool_codes" in repr(d)] == []
        # Still one code once per pool; the same code in another pool is another row.
        with pytest.raises(exc.IntegrityError), db.sa.begin() as conn:
            conn.execute(text("INSERT INTO pool_codes VALUES ('t', 'p', 3, 'A')"))
        with db.sa.begin() as conn:
            conn.execute(text("INSERT INTO pool_codes VALUES ('t', 'q', 1, 'A')"))

        migrate.downgrade(db, "0011")
        assert _unique_keys(db) == [("tenant_id", "pool_id", "code")]
        with db.sa.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pool_codes")).scalar_one() == 3
    finally:
        db.dispose()
