"""A balance's conditional UPDATE and its ledger entry in one statement (PostgreSQL).

Every money movement is a conditional ``UPDATE vouchers ... RETURNING`` followed by its
ledger entry, numbered with the ``seq`` the UPDATE returned. On PostgreSQL both go in one
statement -- the UPDATE as a data-modifying CTE, the entry inserted from its row -- so a
movement costs one round trip instead of two. When the UPDATE matches nothing, nothing is
inserted and the statement returns no row, exactly as the UPDATE alone did. SQLite cannot put
an UPDATE in a CTE; there the two statements stay (``append_entry``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, String, Update, bindparam, insert, literal_column, select

from voucher_engine.domain.ledger import EntryKind
from voucher_engine.storage.tables import ledger_entries

L = ledger_entries.c
#: A ledger entry's columns as the engine writes them (the id is the database's).
ENTRY_COLUMNS = [column.key for column in ledger_entries.columns if column.key != "id"]


def with_entry(moving: Update) -> Select[Any]:
    """``moving`` (an UPDATE of one voucher, ``b_id``, returning at least ``seq``) with its
    ledger entry: the UPDATE's returned columns plus ``entry_id``. Parameters: ``moving``'s,
    and the entry's as ``entry_params`` makes them."""
    moved = moving.cte("moved")
    entry = (
        insert(ledger_entries)
        .from_select(
            ENTRY_COLUMNS,
            select(
                bindparam("e_tenant", type_=String),
                bindparam("b_id", type_=String),
                moved.c.seq,
                bindparam("e_kind", type_=String),
                bindparam("e_available", type_=BigInteger),
                bindparam("e_held", type_=BigInteger),
                bindparam("e_spent", type_=BigInteger),
                bindparam("e_reference", type_=String),
                bindparam("e_hold", type_=String),
                bindparam("e_store", type_=String),
                bindparam("e_reverses", type_=Integer),
                bindparam("b_now", type_=L.created_at.type),
                bindparam("e_effective", type_=L.effective_at.type),
            ),
        )
        .returning(L.id)
        .cte("entry")
    )
    return select(*moved.c, entry.c.id.label("entry_id")).select_from(moved.join(entry, literal_column("true")))


def entry_params(
    tenant_id: str,
    kind: EntryKind,
    now: datetime,
    *,
    available_delta: int = 0,
    held_delta: int = 0,
    spent: int = 0,
    reference: str | None = None,
    hold_id: str | None = None,
    store: str | None = None,
    effective_at: datetime | None = None,
) -> dict[str, Any]:
    """The entry's parameters for a ``with_entry`` statement (the defaults of ``append_entry``)."""
    return {
        "e_tenant": tenant_id,
        "e_kind": kind.value,
        "e_available": available_delta,
        "e_held": held_delta,
        "e_spent": spent,
        "e_reference": reference,
        "e_hold": hold_id,
        "e_store": store,
        "e_reverses": None,
        "e_effective": effective_at or now,
    }
