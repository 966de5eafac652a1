"""Instructions per operation, counted by callgrind: a figure that does not move with the
machine's load, for comparing two versions of the engine (or the engine and the bare driver)
on a busy machine.

    .venv/bin/python benchmarks/instructions.py sqlite engine redeem
    .venv/bin/python benchmarks/instructions.py postgresql bare hold_capture
    .venv/bin/python benchmarks/instructions.py postgresql engine pop

Runs this file under ``valgrind --tool=callgrind`` twice, with 100 and with 300 operations
after the same set-up and warm-up, and prints the difference divided by 200: the cost of one
operation in the client process, without the start-up, the imports and the set-up. Needs
valgrind (on every machine of this project's kind); about a minute per figure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import bare
from benchsupport import TENANT, fresh_database, open_engine, seed_tenant, seed_vouchers
from voucher_engine.domain.money import Money

FEW, MANY = 100, 300


def loop(backend: str, impl: str, operation: str, count: int) -> None:
    for url in fresh_database(backend, Path(tempfile.mkdtemp())):
        _run(url, impl, operation, count)


def _run(url: str, impl: str, operation: str, count: int) -> None:
    engine = open_engine(url)
    seed_tenant(engine)
    code = seed_vouchers(engine, "ins", 1, kind="monetary", initial=10**12, currency="EUR")[0]
    engine.create_pool(TENANT, "ins")
    engine.add_codes(TENANT, "ins", (f"INS{i:06d}" for i in range(2 * MANY)))  # the same set-up for every count
    db = bare.connect(url, bare.statements_for(url))
    cent, five = Money(1, "EUR"), Money(5, "EUR")
    ops = {
        ("engine", "pop"): lambda: engine.pop_code(TENANT, "ins"),
        ("bare", "pop"): lambda: bare.pop_code(db, TENANT, "ins"),
        ("engine", "redeem"): lambda: engine.redeem(TENANT, code=code, amount=cent),
        ("bare", "redeem"): lambda: bare.redeem(db, TENANT, code, 1),
        ("engine", "hold_capture"): lambda: engine.capture(TENANT, engine.hold(TENANT, code=code, amount=five).hold_id),
        ("bare", "hold_capture"): lambda: bare.capture(db, TENANT, bare.hold(db, TENANT, code, 5)),
    }
    op = ops[(impl, operation)]
    for _ in range(20):  # warm: plans compiled, statements prepared, the pool filled
        op()
    for _ in range(count):
        op()
    db.close()
    engine.close()


def counted(args: list[str], count: int) -> int:
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, *args, str(count)],
        capture_output=True,
        text=True,
        check=True,
        # One hash seed: string hashes decide dict layouts and so how many probes a lookup
        # takes, which moved a figure by several percent from one run to the next.
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise SystemExit(f"no count from callgrind:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    if len(sys.argv) == 5:  # the loop itself, under callgrind
        backend, impl, operation, count = sys.argv[1:]
        loop(backend, impl, operation, int(count))
        return
    if len(sys.argv) != 4:
        raise SystemExit("usage: instructions.py sqlite|postgresql engine|bare redeem|hold_capture|pop")
    args = sys.argv[1:]
    per_operation = (counted(args, MANY) - counted(args, FEW)) // (MANY - FEW)
    print(f"{' '.join(args)}: {per_operation:,} instructions per operation")


if __name__ == "__main__":
    main()
