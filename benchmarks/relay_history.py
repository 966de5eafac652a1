"""A relay round's time against the number of events dispatched before it.

    .venv/bin/python benchmarks/relay_history.py sqlite
    .venv/bin/python benchmarks/relay_history.py postgresql

On a fresh database, for 0, 20,000 and 100,000 events already dispatched: 50 rounds, each
fanning out one new event, and the mean time of a round. A round reads the queue of
undispatched events (``outbox_pending``, migration 0013), so the three figures should be
alike; before the queue they grew with the history (docs/benchmarks.md, "Fifth session").
``tests/delivery/test_relay_queue.py`` holds the same property as exact counts in
``make test``; this script shows it in time, about a minute per backend.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from benchsupport import fresh_database, open_engine, seed_outbox, seed_tenant, settle
from voucher_engine.delivery.relay import dispatch_outbox

HISTORIES = (0, 20_000, 100_000)
ROUNDS = 50


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in ("sqlite", "postgresql"):
        raise SystemExit("usage: relay_history.py sqlite|postgresql")
    backend = sys.argv[1]
    for url in fresh_database(backend, Path(tempfile.mkdtemp())):
        engine = open_engine(url)
        seed_tenant(engine)
        dispatched = 0
        for history in HISTORIES:
            seed_outbox(engine, history - dispatched)
            while dispatch_outbox(engine, limit=5_000):
                pass
            dispatched = history
            settle(engine)
            spent = 0.0
            for _ in range(ROUNDS):
                seed_outbox(engine, 1)
                started = time.perf_counter()
                if dispatch_outbox(engine) != 1:
                    raise AssertionError("a round fanned out something else than the one new event")
                spent += time.perf_counter() - started
            dispatched += ROUNDS
            print(f"{backend}: {history:>7,} events dispatched before: {1000 * spent / ROUNDS:.2f} ms a round")
        engine.close()


if __name__ == "__main__":
    main()
