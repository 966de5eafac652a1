"""A partial redemption costs the same whatever the voucher's history (issue 14).

The balance is kept on the voucher's row (``available``, ``held``, ``seq``), moved by one
conditional UPDATE per redemption with the ledger entry appended beside it, so a redemption
reads no ledger entry at all. This is counted here, not timed: the statements a redemption of
a voucher with thousands of prior entries sends are exactly those of a new voucher's, and none
of them reads the ledger. (The timing is benchmarks/test_redeem_history.py.) The stored
balance still equals the replay of the whole ledger afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event, insert, update

from dbsupport import database_of
from voucher_engine import Engine, Money, Voucher
from voucher_engine.domain.vouchers import VoucherKind, VoucherSpec
from voucher_engine.storage import direct
from voucher_engine.storage.tables import ledger_entries, vouchers

T = "acme"
HISTORY = 5_000


def add_history(engine: Engine, code: str, entries: int) -> None:
    """``entries`` prior redemptions of one unit each, written behind the engine's back (as
    if they had happened), with the voucher's row moved to match, so the ledger still replays
    to the stored balance."""
    voucher = engine.get_voucher(T, code=code)
    now = voucher.created_at
    rows = [
        {
            "tenant_id": T,
            "voucher_id": voucher.id,
            "seq": voucher.seq + i,
            "kind": "redeem",
            "available_delta": -1,
            "held_delta": 0,
            "spent": 1,
            "created_at": now,
            "effective_at": now,
        }
        for i in range(1, entries + 1)
    ]
    with database_of(engine).write() as link:
        link.sql.execute(insert(ledger_entries), rows)
        link.sql.execute(
            update(vouchers)
            .where(vouchers.c.id == voucher.id)
            .values(
                available=vouchers.c.available - entries,
                seq=vouchers.c.seq + entries,
            )
        )


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    sent: list[str] = []

    def listen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        sent.append(statement)

    sa = database_of(engine).sa
    event.listen(sa, "before_cursor_execute", listen)
    try:
        with direct.observe(sent.append):  # the statements sent to the driver directly
            yield sent
    finally:
        event.remove(sa, "before_cursor_execute", listen)


def test_a_long_history_costs_a_redemption_nothing(engine: Engine, balanced: Callable[..., Voucher]) -> None:
    spec = VoucherSpec(VoucherKind.MONETARY, Money(1_000_000, "EUR"))
    engine.issue(T, spec, code="NEW")
    engine.issue(T, spec, code="OLD")
    add_history(engine, "OLD", HISTORY)
    assert len(engine.ledger(T, code="OLD")) == HISTORY + 1
    cent = Money(1, "EUR")
    engine.redeem(T, code="NEW", amount=cent)  # both vouchers past their first redemption
    engine.redeem(T, code="OLD", amount=cent)

    with statements(engine) as fresh:
        engine.redeem(T, code="NEW", amount=cent)
    with statements(engine) as old:
        engine.redeem(T, code="OLD", amount=cent)

    assert old == fresh
    # The ledger is only ever written (an INSERT, alone or in the movement's CTE), never read.
    assert any("INSERT INTO ledger_entries" in s for s in old)
    assert [s for s in old if re.search(r"\b(FROM|JOIN)\s+ledger_entries\b", s)] == []
    assert balanced(T, code="OLD").available == 1_000_000 - HISTORY - 2
    assert balanced(T, code="NEW").available == 1_000_000 - 2
