"""One scale run in its own process, so its peak resident memory is its own: fill a new pool
with ``count`` codes, imported from a stream (as from a file) or generated, and print the
figures as JSON, peak RSS included.

The peak is the kernel's high-water mark of this process's memory (``VmHWM``), read at the end.
Not ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` in the parent: Linux carries the parent's
high-water mark into a forked child's ``ru_maxrss`` across ``exec``, so every run would
report at least the (large) pytest process that started it.

    python scale_run.py URL TENANT POOL import|generate COUNT
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterator

from voucher_engine import Engine, EngineConfig
from voucher_engine.domain.codes import CodeFormat

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
        else:
            added = engine.generate_codes(tenant, pool, count)
        seconds = time.perf_counter() - started
        size = engine.pool_status(tenant, pool).size
    finally:
        engine.close()
    print(json.dumps({"added": added.added, "skipped": added.skipped, "size": size, "seconds": seconds,
                      "peak_rss_kb": peak_rss_kb()}))


def peak_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (not Linux?)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
