"""Partial redemption of a voucher with a long history against a fresh voucher (issue 14).

Two monetary vouchers: one new, one with 100,000 prior ledger entries (one-cent redemptions,
written straight into the ledger before the clock starts, the row's balance moved to match).
Each benchmark redeems one cent from its voucher, one worker. The figure is
ops/s(history) / ops/s(fresh); the target is at least 0.9 (within 10%). The balance lives on
the voucher's row and a redemption reads no ledger entry (tests/engine/test_redeem_history.py
counts that), so history should cost nothing but the ledger index's depth.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, update

from benchsupport import TENANT, database_of, record, run_workers, seed_vouchers, settle, sizes
from voucher_engine import Engine
from voucher_engine.domain.money import Money
from voucher_engine.storage.tables import ledger_entries, vouchers

BALANCE = 10**12
HISTORY = {"full": 100_000, "smoke": 1_000}
_codes: dict[str, dict[str, str]] = {}  # backend -> impl -> code


def _add_history(engine: Engine, voucher_code: str, entries: int) -> None:
    voucher = engine.get_voucher(TENANT, code=voucher_code)
    now = datetime.now(UTC)
    with database_of(engine).write() as link:
        for start in range(0, entries, 5_000):
            link.sql.execute(
                insert(ledger_entries),
                [
                    {
                        "tenant_id": TENANT,
                        "voucher_id": voucher.id,
                        "seq": voucher.seq + i,
                        "kind": "redeem",
                        "available_delta": -1,
                        "held_delta": 0,
                        "spent": 1,
                        "created_at": now,
                        "effective_at": now,
                    }
                    for i in range(start + 1, min(start + 5_000, entries) + 1)
                ],
            )
        link.sql.execute(
            update(vouchers)
            .where(vouchers.c.id == voucher.id)
            .values(
                available=vouchers.c.available - entries,
                seq=vouchers.c.seq + entries,
            )
        )


def _vouchers(world: Any, benchmark: Any) -> dict[str, str]:
    """The fresh and the long-history voucher of this world, seeded once."""
    if world.url not in _codes:
        fresh, old = seed_vouchers(
            world.engine, f"rh{len(_codes)}", 2, kind="monetary", initial=BALANCE, currency="EUR"
        )
        _add_history(world.engine, old, HISTORY["smoke" if benchmark.disabled else "full"])
        settle(world.engine)
        _codes[world.url] = {"fresh": fresh, "history": old}
    return _codes[world.url]


@pytest.mark.parametrize("impl", ["fresh", "history"])
def test_redeem_history(benchmark: Any, world: Any, impl: str) -> None:
    size = sizes(benchmark)
    ops = size.per_round(world.backend)
    benchmark.group = f"redeem_history {world.backend}"
    record(benchmark, backend=world.backend, impl=impl, operation="redeem_history", workers=1, ops=ops)
    engine = world.engine
    code = _vouchers(world, benchmark)[impl]
    before = engine.get_voucher(TENANT, code=code).available
    cent = Money(1, "EUR")

    def op(w: int, i: int) -> None:
        engine.redeem(TENANT, code=code, amount=cent)

    benchmark.pedantic(run_workers, args=(1, ops, op), rounds=size.rounds, warmup_rounds=size.warmup_rounds)
    rounds = 1 if benchmark.disabled else size.rounds + size.warmup_rounds
    assert before - engine.get_voucher(TENANT, code=code).available == rounds * ops
