"""Public voucher ids: stable integers assigned inside the INSERT itself.

Issuing must stay cheap, so the number costs no extra statement and no lock of its own:

- PostgreSQL: ``nextval('voucher_public_ids')``, a sequence. Sequences are not transactional,
  so concurrent issuers never wait for each other; a rolled-back issue leaves a gap.
- SQLite: ``(SELECT COALESCE(MAX(public_id), 0) + 1 FROM vouchers)`` evaluated inside the
  INSERT. Every SQLite writer already holds the database's one write lock (``BEGIN
  IMMEDIATE``), so this adds no serialisation, and the unique index on ``public_id`` makes
  ``MAX`` one index probe. SQLite's hidden rowid is not used: the vouchers table's primary key
  is text, and ``VACUUM`` may renumber the rowids of such a table.

The numbers are global (one sequence for the database), hence unique per tenant too; vouchers
are never deleted, so a number is never handed out twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

SEQUENCE = "voucher_public_ids"


class NextPublicId(FunctionElement[int]):
    """The next public voucher id, rendered for the dialect at hand."""

    type = BigInteger()
    inherit_cache = True
    name = "next_public_id"


@compiles(NextPublicId, "postgresql")
def _next_on_postgresql(element: NextPublicId, compiler: Any, **kw: Any) -> str:
    return f"nextval('{SEQUENCE}')"


@compiles(NextPublicId, "sqlite")
def _next_on_sqlite(element: NextPublicId, compiler: Any, **kw: Any) -> str:
    return "(SELECT COALESCE(MAX(public_id), 0) + 1 FROM vouchers)"
