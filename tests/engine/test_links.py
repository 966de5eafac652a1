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
from hot_commands import HotCommands
from sqlalchemy import select, update

from dbsupport import database_of, fired
from voucher_engine import Engine
from voucher_engine.domain.money import Money
from voucher_engine.domain.vouchers import VoucherKind, VoucherSpec
from voucher_engine.engine.base import Tx
from voucher_engine.storage.tables import tenants

T = "acme"


def _connections_made(engine: Engine, operation: Callable[[], object]) -> int:
    return len(fired(database_of(engine).sa, "engine_connect", operation))


def test_the_hot_commands_make_no_sqlalchemy_connection(engine: Engine, hot_commands: HotCommands) -> None:
    made = hot_commands.each_measured(lambda operation: _connections_made(engine, operation))
    assert made == dict.fromkeys(hot_commands.operations, 0)
    voucher = engine.get_voucher(T, code=hot_commands.card)  # three holds of 5, two of them captured
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
