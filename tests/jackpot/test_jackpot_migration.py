"""Migration 0004 follows 0003 and creates exactly ``spending_sessions`` as declared in
``session_tables`` (constraints included), and drops it again, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from voucher_engine.storage import migrate, session_tables
from voucher_engine.storage.database import Database
from voucher_engine.storage.tables import metadata


def _about_sessions(diff) -> bool:
    return "spending_sessions" in repr(diff)


def test_0004_creates_and_drops_spending_sessions(database_url):
    assert session_tables.spending_sessions.metadata is metadata
    db = Database(database_url)
    try:
        migrate.upgrade(db, "0003")
        assert "spending_sessions" not in inspect(db.sa).get_table_names()
        migrate.upgrade(db, "0004")  # later revisions follow it; this one is about 0004
        assert migrate.current_revision(db) == "0004"
        with db.sa.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        assert [d for d in diffs if _about_sessions(d)] == []
        checks = {c["name"] for c in inspect(db.sa).get_check_constraints("spending_sessions")}
        assert checks == {"ck_spending_sessions_amount_positive", "ck_spending_sessions_reserved_within_amount"}
        migrate.downgrade(db, "0003")
        assert "spending_sessions" not in inspect(db.sa).get_table_names()
    finally:
        db.dispose()
