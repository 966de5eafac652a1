"""One scale run in its own process, so its peak resident memory is its own: fill a new pool
with ``count`` codes, imported from a stream (as from a file) or generated, and print the
figures as JSON, peak RSS included.

The peak is the kernel's high-water mark of this process's memory (``VmHWM``), read at the end.
Not ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` in the parent: Linux carries the parent's
high-water mark into a forked child's ``ru_maxrss`` across ``exec``, so every run would
report at least the (large) pytest process that started it.

    python scale_run.py URL TENANT POOL import|generate|copy COUNT

``copy`` is the yardstick of ``import`` on PostgreSQL: the same codes COPYed by the bare driver
straight into the pool's table, in the engine's batches (one transaction each, rows sorted by
code, numbered in arrival order), with nothing of the engine around them.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterator
from itertools import islice

from voucher_engine import CodesAdded, Engine, EngineConfig
from voucher_engine.domain.codes import CodeFormat
from voucher_engine.engine.pools import IMPORT_BATCH

FORMAT = CodeFormat("XXXX-XXXX-XXXX-XXXX")
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def import_stream(count: int, seed: int) -> Iterator[str]:
    """Random 16-character codes, one at a time: a file's lines, never a list in memory.
    Random, not sequential: real codes land all over the unique index, not at its end."""
    draw = random.Random(seed).getrandbits
    for _ in range(count):
        bits = draw(80)
        yield "".join(_ALPHABET[(bits >> (5 * k)) & 31] for k in range(16))


def main(url: str, tenant: str, pool: str, mode: str, count: int) -> None:
    engine = Engine.open(url, config=EngineConfig(auto_migrate=False))
    try:
        engine.create_pool(tenant, pool, code_format=FORMAT)
        started = time.perf_counter()
        if mode == "import":
            added = engine.add_codes(tenant, pool, import_stream(count, seed=hash(pool) & 0xFFFF))
        elif mode == "copy":
            added = CodesAdded(bare_copy(url, tenant, pool, import_stream(count, seed=hash(pool) & 0xFFFF)), 0)
        else:
            added = engine.generate_codes(tenant, pool, count)
        seconds = time.perf_counter() - started
        size = engine.pool_status(tenant, pool).size
    finally:
        engine.close()
    print(
        json.dumps(
            {
                "added": added.added,
                "skipped": added.skipped,
                "size": size,
                "seconds": seconds,
                "peak_rss_kb": peak_rss_kb(),
            }
        )
    )


def bare_copy(url: str, tenant: str, pool: str, codes: Iterator[str]) -> int:
    """COPY the codes into ``pool_codes`` with psycopg alone, the pool's size kept with them."""
    import psycopg

    from benchsupport import pg_dsn

    done = 0
    with psycopg.connect(pg_dsn(url)) as conn:
        while batch := list(islice(codes, IMPORT_BATCH)):
            rows = sorted(
                ((tenant, pool, done + i, code) for i, code in enumerate(batch, start=1)), key=lambda row: row[3]
            )
            with conn.transaction(), conn.cursor() as cursor:
                with cursor.copy("COPY pool_codes (tenant_id, pool_id, seq, code) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                done += len(batch)
                cursor.execute("UPDATE pools SET size = %s WHERE tenant_id = %s AND id = %s", (done, tenant, pool))
    return done


def peak_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (not Linux?)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
