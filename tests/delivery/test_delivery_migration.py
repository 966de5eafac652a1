"""Migration 0003 follows 0002, creates exactly the tables of ``delivery_tables`` and drops
them again, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from voucher_engine.storage import delivery_tables, migrate
from voucher_engine.storage.database import Database
from voucher_engine.storage.tables import metadata

OURS = {"jobs", "outbox_dispatch", "webhook_attempts", "webhook_deliveries", "webhook_endpoints"}


def _table_of(diff) -> str | None:
    """The table an autogenerate difference is about (its shapes vary by kind)."""
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        if isinstance(part, str):
            if part in OURS:
                return part
            continue
        table = getattr(part, "table", None)  # a column, an index, a constraint
        name = table.name if table is not None else getattr(part, "name", None)  # or a table
        if name is not None:
            return name
    return None


def test_chain_upgrades_and_downgrades(database_url):
    assert delivery_tables.jobs.metadata is metadata
    db = Database(database_url)
    try:
        migrate.upgrade(db, "0002")
        assert OURS.isdisjoint(inspect(db.sa).get_table_names())
        migrate.upgrade(db, "head")
        assert migrate.current_revision(db) == migrate.head_revision()
        assert set(inspect(db.sa).get_table_names()) >= OURS
        with db.sa.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        assert [d for d in diffs if _table_of(d) in OURS] == []
        migrate.downgrade(db, "0002")
        assert OURS.isdisjoint(inspect(db.sa).get_table_names())
    finally:
        db.dispose()
