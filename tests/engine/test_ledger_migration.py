"""Migration 0005 adds ``ledger_entries.effective_at`` (backfilled from ``created_at``) and the
``reinstate`` entry kind, matching ``tables.py``, and goes back down, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from voucher_engine.storage import migrate
from voucher_engine.storage.database import Database
from voucher_engine.storage.tables import metadata

WRITTEN = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)


def _about_ledger(diff) -> bool:
    return "ledger_entries" in repr(diff)


def _kind_check(db: Database) -> str:
    checks = {c["name"]: c["sqltext"] for c in inspect(db.sa).get_check_constraints("ledger_entries")}
    return str(checks["ck_ledger_entries_kind_known"])


def test_0005_backfills_effective_at_and_allows_reinstate(database_url):
    db = Database(database_url)
    try:
        migrate.upgrade(db, "0004")
        with db.sa.begin() as conn:
            conn.execute(text("INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', :at)"), {"at": WRITTEN})
            conn.execute(
                text(
                    "INSERT INTO vouchers (id, tenant_id, code, kind, state, initial, available, held, seq, windows,"
                    " redeemable_at, taxable, attributes, created_at, updated_at) VALUES ('v', 't', 'C', 'single_use',"
                    " 'available', 1, 1, 0, 1, '[]', '[]', false, '{}', :at, :at)"
                ),
                {"at": WRITTEN},
            )
            conn.execute(
                text(
                    "INSERT INTO ledger_entries (tenant_id, voucher_id, seq, kind, available_delta, held_delta, spent,"
                    " created_at) VALUES ('t', 'v', 1, 'issue', 1, 0, 0, :at)"
                ),
                {"at": WRITTEN},
            )
        assert "reinstate" not in _kind_check(db)

        migrate.upgrade(db, "0005")
        with db.sa.connect() as conn:
            created, effective = conn.execute(text("SELECT created_at, effective_at FROM ledger_entries")).one()
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        assert effective == created  # the backfill
        assert [d for d in diffs if _about_ledger(d)] == []
        assert "reinstate" in _kind_check(db)
        columns = {c["name"]: c for c in inspect(db.sa).get_columns("ledger_entries")}
        assert columns["effective_at"]["nullable"] is False

        migrate.downgrade(db, "0004")
        assert "effective_at" not in {c["name"] for c in inspect(db.sa).get_columns("ledger_entries")}
        assert "reinstate" not in _kind_check(db)
        with db.sa.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one() == 1
    finally:
        db.dispose()
