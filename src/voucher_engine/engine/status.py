"""What operators and probes ask of the engine: does the database answer, is its schema
current, and the figures a metrics scrape reports. Read through the engine, so the adapter
never touches the tables or the connection itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, func, select, text

from voucher_engine.domain.ledger import EntryKind
from voucher_engine.engine.base import EngineBase
from voucher_engine.engine.pools import issued_of_pool
from voucher_engine.storage import migrate
from voucher_engine.storage.delivery_tables import outbox_pending, webhook_deliveries
from voucher_engine.storage.tables import ledger_entries, outbox, pools, tenants, vouchers


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    dialect: str
    revision: str | None  # the database's, None before the first migration
    head: str | None  # the migrations' newest

    @property
    def current(self) -> bool:
        return self.revision == self.head


@dataclass(frozen=True, slots=True)
class PoolLevel:
    tenant_id: str
    pool_id: str
    size: int
    issued: int

    @property
    def remaining(self) -> int:
        return self.size - self.issued


@dataclass(frozen=True, slots=True)
class EngineFigures:
    """Counts across every tenant, read in one snapshot (for a metrics scrape)."""

    tenant_ids: tuple[str, ...]
    vouchers_by_state: dict[tuple[str, str], int]  # (tenant, state) -> vouchers
    redemptions: dict[str, int]  # tenant -> REDEEM ledger entries
    pools: tuple[PoolLevel, ...]
    outbox_events: dict[str, int]  # tenant -> events
    outbox_undispatched: dict[str, int]  # tenant -> events not yet fanned out
    deliveries_pending: dict[str, int]  # tenant -> webhook deliveries still to send


class StatusQueries(EngineBase):
    def ping(self) -> None:
        """Raise unless the database answers (a ``StorageError`` or the driver's error)."""
        self._read(lambda conn: conn.execute(text("SELECT 1")).scalar_one())

    def schema_status(self) -> SchemaStatus:
        """The database's schema revision and the newest one this code ships; a database that
        does not answer raises ``StorageError`` (or ``Conflict``)."""
        with self._db.translated():
            revision = migrate.current_revision(self._db)
        return SchemaStatus(self.dialect, revision, migrate.head_revision())

    def pool_levels(self, tenant_id: str | None = None) -> list[PoolLevel]:
        """Size and issued count of every pool (of one tenant, or all), by tenant and pool."""
        query = select(pools.c.tenant_id, pools.c.id, pools.c.size, issued_of_pool).order_by(
            pools.c.tenant_id, pools.c.id
        )
        if tenant_id is not None:
            query = query.where(pools.c.tenant_id == tenant_id)
        return [PoolLevel(*row) for row in self._read(lambda c: c.execute(query).all())]

    def figures(self) -> EngineFigures:
        """Vouchers by state, redemptions, pool levels, outbox and delivery backlog."""

        def per_tenant(conn: Connection, query: Select[*tuple[Any, ...]]) -> dict[str, int]:
            return dict(conn.execute(query).all())

        def read(conn: Connection) -> EngineFigures:
            return EngineFigures(
                tenant_ids=tuple(conn.execute(select(tenants.c.id).order_by(tenants.c.id)).scalars()),
                vouchers_by_state={
                    (t, s): n
                    for t, s, n in conn.execute(
                        select(vouchers.c.tenant_id, vouchers.c.state, func.count()).group_by(
                            vouchers.c.tenant_id, vouchers.c.state
                        )
                    )
                },
                redemptions=per_tenant(
                    conn,
                    select(ledger_entries.c.tenant_id, func.count())
                    .where(ledger_entries.c.kind == EntryKind.REDEEM.value)
                    .group_by(ledger_entries.c.tenant_id),
                ),
                pools=tuple(
                    PoolLevel(*row)
                    for row in conn.execute(
                        select(pools.c.tenant_id, pools.c.id, pools.c.size, issued_of_pool).order_by(
                            pools.c.tenant_id, pools.c.id
                        )
                    )
                ),
                outbox_events=per_tenant(conn, select(outbox.c.tenant_id, func.count()).group_by(outbox.c.tenant_id)),
                outbox_undispatched=per_tenant(
                    conn,
                    select(outbox.c.tenant_id, func.count())
                    .join(outbox_pending, outbox_pending.c.outbox_id == outbox.c.id)
                    .group_by(outbox.c.tenant_id),
                ),
                deliveries_pending=per_tenant(
                    conn,
                    select(webhook_deliveries.c.tenant_id, func.count())
                    .where(webhook_deliveries.c.status == "pending")
                    .group_by(webhook_deliveries.c.tenant_id),
                ),
            )

        return self._read(read)
