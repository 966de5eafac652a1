"""One pool drained by 16 workers in 2 processes: every code handed out once, then nothing
more, and the pool says it is depleted exactly once (design.md 3.3).

Sized to prove the property, not to stress: 2,000 codes give each of the 16 workers over a
hundred contended pops, every one decided under the pool's lock; 10,000 proved nothing more
and took minutes on PostgreSQL on a loaded 2-core machine."""

from __future__ import annotations

import pytest
from harness import TENANT, drain_pool

from voucher_engine import CodeFormat
from voucher_engine.domain import events
from voucher_engine.errors import PoolDepleted


def _filled_pool(engine, pool_id: str, size: int) -> set[str]:
    engine.create_pool(TENANT, pool_id, code_format=CodeFormat("DRN-XXXX-XXXX"))
    engine.generate_codes(TENANT, pool_id, size)
    codes = {c.code for c in engine.export_codes(TENANT, pool_id)}
    assert len(codes) == size
    return codes


POOL_SIZE = 2_000


@pytest.mark.slow
def test_a_pool_drained_by_16_workers_in_2_processes(engine, database_url):
    pool_codes = _filled_pool(engine, "drain", POOL_SIZE)

    report = drain_pool(database_url, "drain", processes=2, threads=8)

    assert report.unexpected == []
    assert len(report.codes) == POOL_SIZE
    assert set(report.codes) == pool_codes  # distinct, each popped once, all of the pool
    assert report.depleted_answers == report.workers == 16
    with pytest.raises(PoolDepleted):
        engine.pop_code(TENANT, "drain")
    status = engine.pool_status(TENANT, "drain")
    assert status.issued == status.size == POOL_SIZE
    exported = list(engine.export_codes(TENANT, "drain"))
    assert all(c.issued_at is not None for c in exported)
    depleted = engine.events(TENANT, type=events.POOL_DEPLETED)
    assert [(e.subject_id, e.payload["size"]) for e in depleted] == [("drain", POOL_SIZE)]


def test_harness_detects_read_then_write_pop(engine, database_url):
    pool_codes = _filled_pool(engine, "broken-drain", 100)

    report = drain_pool(database_url, "broken-drain", processes=2, threads=8, pop="broken")

    assert report.unexpected == []
    assert set(report.codes) == pool_codes
    # The same codes went to more than one worker: more pops succeeded than there are codes.
    assert len(report.codes) > len(set(report.codes))
