"""A pop's cost does not grow with its pool (PostgreSQL).

Every pool is, for a while after its import, a pool whose statistics lag behind its rows
(autovacuum analyses it later). A pop then still finds its code by number with one probe of
the primary key, and so does the foreign key check of the issue it writes: counted here as
the rows the pop's transaction fetched from ``pool_codes``
(``pg_stat_xact_user_tables``, the transaction's own counters), the same for a pool of 200
codes as for one of 20,000. Autovacuum is off for ``pool_codes`` in this test's database, so
the lagging statistics are the state under test, not a race with the analyser.

Checked against the code before migration 0012 (the unique key led by the pool) and against
the pop's code looked up by a join instead of a scalar subquery: each read every code of the
pool per pop, and this test failed.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from dbsupport import database_of, open_engine
from voucher_engine import Engine
from voucher_engine.engine.base import Tx

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

TENANT = "acme"
#: What a pop reads of pool_codes: its code, found by number, and the issue's foreign key check.
PROBES = 2


_FETCHED = text("SELECT idx_tup_fetch + seq_tup_read FROM pg_stat_xact_user_tables WHERE relname = 'pool_codes'")


def _codes_read_by_pop(engine: Engine, pool_id: str) -> tuple[str, int]:
    """Pop one code inside a transaction that reads its backend's counters before and after
    (a backend flushes them at most once a second, so they may include earlier transactions':
    the difference is the pop's)."""
    seen: dict[str, Any] = {}

    def body(tx: Tx) -> str:
        before = tx.conn.execute(_FETCHED).scalar_one()
        code = engine.pop_code(TENANT, pool_id).code
        seen["read"] = tx.conn.execute(_FETCHED).scalar_one() - before
        return code

    code = engine._command(TENANT, "count_pop", body, str)
    return code, int(seen["read"])


def test_a_pop_reads_the_same_few_codes_from_a_large_pool_as_from_a_small_one(database_url):
    engine = open_engine(database_url)
    try:
        with database_of(engine).sa.begin() as conn:
            conn.execute(text("ALTER TABLE pool_codes SET (autovacuum_enabled = false)"))
        engine.create_tenant(TENANT)
        read = {}
        for size in (200, 20_000):
            pool_id = f"p{size}"
            engine.create_pool(TENANT, pool_id)
            engine.add_codes(TENANT, pool_id, (f"{pool_id}-{i:06d}" for i in range(size)))
            code, read[size] = _codes_read_by_pop(engine, pool_id)
            assert code == f"{pool_id}-000000"
        assert read == {200: PROBES, 20_000: PROBES}
    finally:
        engine.close()
