"""Pool scaling on PostgreSQL: pops per second at 16 workers against 1 worker.

All workers pop from one pool, so they queue on its cursor row (one short row lock per pop,
engine/pools.py). The target: 16 workers at least as fast as 1, i.e. the lock queue costs less
than the parallelism gains. The bare driver's pops run alongside as the physical limit.
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
    engine.create_pool(TENANT, pool)
    engine.add_codes(TENANT, pool, (f"{pool}-{i:08d}" for i in range(rounds * ops)))
    settle(engine)
    connections = per_worker(workers, lambda: bare.connect(world.url, world.statements)) if impl == "bare" else []
    if impl == "engine":
        def op(w: int, i: int) -> None:
            engine.pop_code(TENANT, pool)
    else:
        def op(w: int, i: int) -> None:
            bare.pop_code(connections[w], TENANT, pool)
    benchmark.pedantic(run_workers, args=(workers, ops, op), rounds=size.rounds, warmup_rounds=size.warmup_rounds)
    for db in connections:
        db.close()
    assert engine.pool_status(TENANT, pool).remaining == 0
