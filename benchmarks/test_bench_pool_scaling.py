"""Pool scaling on PostgreSQL: pops per second at 16 workers against 1 worker.

All workers pop from one pool. Each pop locks one of the pool's 16 lanes (skipping lanes other
pops hold) from the statement that advances it and records the issue (one statement,
engine/pools.py) to the COMMIT that carries the events (one more round trip), so concurrent
pops mostly lock different rows instead of queueing on one. The target (issue 14): 16 workers
at least 1.5 times as fast as 1. The bare driver's pops run alongside as the physical limit.
"""

from __future__ import annotations

import pytest

import bare
from benchsupport import TENANT, per_worker, record, run_workers, settle, sizes

pytestmark = pytest.mark.parametrize("world", ["postgresql"], indirect=True)


@pytest.mark.parametrize("workers", [1, 16])
@pytest.mark.parametrize("impl", ["engine", "bare"])
def test_pool_scaling(benchmark, world, impl: str, workers: int) -> None:
    size = sizes(benchmark)
    ops = size.per_round(world.backend)
    benchmark.group = f"pool_scaling {world.backend} {impl}"
    record(benchmark, backend=world.backend, impl=impl, operation="pool_scaling", workers=workers, ops=ops)
    engine, pool = world.engine, f"scale-{impl}-{workers}"
    rounds = 1 if benchmark.disabled else size.rounds + size.warmup_rounds
    engine.create_pool(TENANT, pool, low_stock_threshold=ops // 2)
    engine.add_codes(TENANT, pool, (f"{pool}-{i:08d}" for i in range(rounds * ops)))
    settle(engine)
    connections = per_worker(workers, lambda: bare.connect(world.url, world.statements)) if impl == "bare" else []
    codes: list[str] = []
    if impl == "engine":

        def op(w: int, i: int) -> None:
            codes.append(engine.pop_code(TENANT, pool).code)
    else:

        def op(w: int, i: int) -> None:
            bare.pop_code(connections[w], TENANT, pool)

    benchmark.pedantic(run_workers, args=(workers, ops, op), rounds=size.rounds, warmup_rounds=size.warmup_rounds)
    for db in connections:
        db.close()
    assert engine.pool_status(TENANT, pool).remaining == 0
    if impl == "engine":
        # Every code once, and the pool's depletion and low-stock events exactly once.
        assert len(codes) == len(set(codes)) == rounds * ops
        once = [
            sum(e.subject_id == pool for e in engine.events(TENANT, type=kind, limit=10_000))
            for kind in ("pool.depleted", "pool.low_stock")
        ]
        assert once == [1, 1]
