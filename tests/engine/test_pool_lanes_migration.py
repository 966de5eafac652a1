"""Migration 0011 replaces ``pools.cursor`` by the pool's lanes: a half-issued pool goes on
where it stopped, codes and issues stay where they were, and the schema matches ``tables.py``;
down again, the cursor stands after the last code issued. Both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from dbsupport import changed_by_0012, open_engine
from voucher_engine.errors import PoolDepleted
from voucher_engine.storage import migrate
from voucher_engine.storage.database import Database
from voucher_engine.storage.tables import POOL_LANES, metadata

WRITTEN = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
# pool -> (size, cursor): half issued, one past a whole round of the lanes, empty, all issued.
POOLS = {"half": (40, 19), "round": (40, POOL_LANES + 1), "empty": (0, 0), "done": (5, 5)}


def _about_pools(diff) -> bool:
    return "pool" in repr(diff)


def _fill_at_0010(db: Database) -> None:
    with db.sa.begin() as conn:
        conn.execute(text("INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', :at)"), {"at": WRITTEN})
        for pool, (size, cursor) in POOLS.items():
            conn.execute(
                text(
                    "INSERT INTO pools (tenant_id, id, name, size, cursor, created_at)"
                    " VALUES ('t', :pool, :pool, :size, :cursor, :at)"
                ),
                {"pool": pool, "size": size, "cursor": cursor, "at": WRITTEN},
            )
            for seq in range(1, size + 1):
                code = {"pool": pool, "seq": seq, "code": f"{pool}-{seq:03d}", "at": WRITTEN}
                conn.execute(
                    text("INSERT INTO pool_codes (tenant_id, pool_id, seq, code) VALUES ('t', :pool, :seq, :code)"),
                    code,
                )
                if seq <= cursor:
                    conn.execute(
                        text(
                            "INSERT INTO pool_issues (tenant_id, pool_id, seq, code, attributes, issued_at)"
                            " VALUES ('t', :pool, :seq, :code, '{}', :at)"
                        ),
                        code,
                    )


def test_0011_deals_each_pools_cursor_over_its_lanes_and_back(database_url):
    db = Database(database_url)
    try:
        migrate.upgrade(db, "0010")
        _fill_at_0010(db)

        migrate.upgrade(db, "0011")
        assert "cursor" not in {c["name"] for c in inspect(db.sa).get_columns("pools")}
        with db.sa.connect() as conn:
            lanes = conn.execute(text("SELECT pool_id, lane, cursor FROM pool_lanes ORDER BY pool_id, lane")).all()
            counts = dict(conn.execute(text("SELECT pool_id, count(*) FROM pool_codes GROUP BY pool_id")).all())
            issues = conn.execute(text("SELECT count(*) FROM pool_issues")).scalar_one()
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
            if db.dialect == "sqlite":  # the rebuilt pools table: every reference to it still holds
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert [d for d in diffs if _about_pools(d) and not changed_by_0012(d)] == []
        assert counts == {pool: size for pool, (size, _) in POOLS.items() if size}
        assert issues == sum(cursor for _, cursor in POOLS.values())
        for pool, (_, cursor) in POOLS.items():
            mine = {lane: n for p, lane, n in lanes if p == pool}
            assert sorted(mine) == list(range(POOL_LANES))
            # The codes the lanes have dealt are exactly 1..cursor.
            dealt = {lane + 1 + i * POOL_LANES for lane, n in mine.items() for i in range(n)}
            assert dealt == set(range(1, cursor + 1)), pool

        engine = open_engine(database_url)
        try:
            status = engine.pool_status("t", "half")
            assert (status.size, status.issued, status.remaining) == (40, 19, 21)
            # One worker: the pool goes on where it stopped, in order, to its end.
            popped = [engine.pop_code("t", "half") for _ in range(21)]
            assert [p.seq for p in popped] == list(range(20, 41))
            assert [p.code for p in popped] == [f"half-{seq:03d}" for seq in range(20, 41)]
            assert [p.remaining for p in popped] == list(range(20, -1, -1))
            assert engine.pop_code("t", "round").seq == POOL_LANES + 2
            for pool in ("half", "empty", "done"):
                with pytest.raises(PoolDepleted):
                    engine.pop_code("t", pool)
        finally:
            engine.close()

        migrate.downgrade(db, "0010")
        assert "pool_lanes" not in inspect(db.sa).get_table_names()
        with db.sa.connect() as conn:
            cursors = dict(conn.execute(text("SELECT id, cursor FROM pools")).all())
            if db.dialect == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert cursors == {"half": 40, "round": POOL_LANES + 2, "empty": 0, "done": 5}
    finally:
        db.dispose()
