"""Identity's one way to the database: the engine's command runner and reader.

Every identity write is an engine command (``engine._command``): one write transaction,
retried on conflicts, seen by the ``voucher_engine_veto_command`` hook (operation names start
with ``identity.``; requests carry ids and emails, never a secret or a hash). Reads go through
``engine._read``. Nothing in ``voucher_engine.identity`` opens a transaction itself.

Slow work (argon2, signing a JWT, which may create the first signing key) happens before or
after a command, never inside one: a command holds the SQLite write lock while it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import Connection, select

from voucher_engine.errors import TenantNotFound
from voucher_engine.storage.tables import tenants

if TYPE_CHECKING:
    from voucher_engine.engine import Engine
    from voucher_engine.engine.base import Tx

R = TypeVar("R")

#: The tenant of a command that belongs to no tenant: the server's signing keys, pruning of
#: spent partner JWT ids across tenants. The veto hook sees ``tenant_id == ""``.
PLATFORM = ""


class Store:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def write(
        self,
        tenant_id: str,
        operation: str,
        body: Callable[[Tx], R],
        request: dict[str, Any] | None = None,
    ) -> R:
        """Run ``body`` as the engine command ``identity.<operation>`` of ``tenant_id``."""
        # Without an idempotency key the engine never decodes a saved result into this type.
        no_replay = cast("type[R]", object)
        return self._engine._command(tenant_id, f"identity.{operation}", body, no_replay, request=request)

    def read(self, fn: Callable[[Connection], R]) -> R:
        return self._engine._read(fn)

    def read_one(self, fn: Callable[[Connection], R]) -> R:
        """``read`` for ``fn`` that sends exactly one statement: no transaction around it on
        PostgreSQL (one round trip instead of two: authentication on every request)."""
        return self._engine._read_one(fn)


def require_tenant(conn: Connection, tenant_id: str, *, lock: bool = False) -> None:
    """``TenantNotFound`` unless the tenant exists; with ``lock``, hold its row until the
    transaction ends (serialises per-tenant counters on PostgreSQL; SQLite serialises every
    writer anyway)."""
    query = select(tenants.c.id).where(tenants.c.id == tenant_id)
    if lock:
        query = query.with_for_update()
    if conn.execute(query).first() is None:
        raise TenantNotFound(f"no tenant {tenant_id!r}")
