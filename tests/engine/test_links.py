"""Write transactions on a ``Link`` (storage/link.py): the hot commands run without a
SQLAlchemy ``Connection``, and a command that also runs SQLAlchemy statements gets one in the
same transaction, which commits or rolls back with everything else, in either order of the
two kinds of statement.

A ``Connection`` is counted by SQLAlchemy's ``engine_connect`` event, which fires for every
one made on the engine, a link's included.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event, select, update

from dbsupport import database_of
from voucher_engine import Engine
from voucher_engine.domain.money import Money
from voucher_engine.domain.vouchers import VoucherKind, VoucherSpec
from voucher_engine.engine.base import Tx
from voucher_engine.storage.tables import tenants

T = "acme"


def _connections_made(engine: Engine, operation: Callable[[], object]) -> int:
    made: list[object] = []
    sa = database_of(engine).sa

    def note(conn: object) -> None:
        made.append(conn)

    event.listen(sa, "engine_connect", note)
    try:
        operation()
    finally:
        event.remove(sa, "engine_connect", note)
    return len(made)


def test_the_hot_commands_make_no_sqlalchemy_connection(engine: Engine) -> None:
    engine.create_pool(T, "p")
    engine.add_codes(T, "p", [f"C{i:03d}" for i in range(10)])
    engine.put_campaign(T, "c", name="C", pool_id="p", trigger_categories=["shoes"], distributors=["d1"])
    card = engine.issue(T, VoucherSpec(VoucherKind.MONETARY, Money(10_000, "EUR"))).code
    tickets = [engine.issue(T, VoucherSpec(VoucherKind.SINGLE_USE)).code for _ in range(2)]
    held: list[str] = []
    operations = {
        "pop": lambda: engine.pop_code(T, "p"),
        "issue_for_trigger": lambda: engine.issue_for_trigger(T, category="shoes", distributor="d1"),
        "redeem": lambda: engine.redeem(T, code=card, amount=Money(1, "EUR")),
        "redeem single use": lambda: engine.redeem(T, code=tickets.pop()),
        "hold": lambda: held.append(engine.hold(T, code=card, amount=Money(5, "EUR")).hold_id),
        "capture": lambda: engine.capture(T, held.pop()),
    }
    made = {}
    for name, operation in operations.items():
        operation()  # the first of a kind may warm what it likes
        if name == "capture":
            operations["hold"]()
        made[name] = _connections_made(engine, operation)
    assert made == dict.fromkeys(operations, 0)
    voucher = engine.get_voucher(T, code=card)  # three holds of 5, two of them captured
    assert (voucher.available, voucher.held) == (10_000 - 2 - 3 * 5, 5)


def _rename_and_redeem(engine: Engine, code: str, *, sqlalchemy_first: bool, fail: bool) -> None:
    """One command: the tenant renamed by a SQLAlchemy statement and a redemption (direct
    statements) joined into it, in the order asked; then maybe an error."""

    def rename(tx: Tx) -> None:
        tx.conn.execute(update(tenants).where(tenants.c.id == T).values(name="renamed"))

    def body(tx: Tx) -> None:
        if sqlalchemy_first:
            rename(tx)
        engine.redeem(T, code=code, amount=Money(1, "EUR"))
        if not sqlalchemy_first:
            rename(tx)
        if fail:
            raise RuntimeError("undo it all")

    engine._command(T, "rename_and_redeem", body, type(None))


@pytest.mark.parametrize("sqlalchemy_first", [True, False], ids=["sqlalchemy-first", "direct-first"])
def test_sqlalchemy_and_direct_statements_share_one_transaction(engine: Engine, sqlalchemy_first: bool) -> None:
    code = engine.issue(T, VoucherSpec(VoucherKind.MONETARY, Money(100, "EUR"))).code

    def state() -> tuple[str, int]:
        name = engine._read(lambda c: c.execute(select(tenants.c.name).where(tenants.c.id == T)).scalar_one())
        return name, engine.get_voucher(T, code=code).available

    with pytest.raises(RuntimeError):
        _rename_and_redeem(engine, code, sqlalchemy_first=sqlalchemy_first, fail=True)
    assert state() == ("Acme Shop", 100)
    _rename_and_redeem(engine, code, sqlalchemy_first=sqlalchemy_first, fail=False)
    assert state() == ("renamed", 99)
    # And the connection went back to the pool clean: the next command is a fresh transaction.
    engine.redeem(T, code=code, amount=Money(1, "EUR"))
    assert state() == ("renamed", 98)
