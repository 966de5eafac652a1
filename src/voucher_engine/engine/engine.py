"""The engine facade: the one object a host holds. Open it on a database URL, call
operations (each one transaction), close it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, func, select

from voucher_engine.clock import Clock, IdSource, RandomSource, SystemClock, TimeOrderedIds, system_random
from voucher_engine.engine.base import EngineConfig
from voucher_engine.engine.campaigns import CampaignOperations
from voucher_engine.engine.catalog import CatalogOperations
from voucher_engine.engine.charges import ChargeOperations
from voucher_engine.engine.claims import ClaimOperations
from voucher_engine.engine.issuance_stats import issuance_stats
from voucher_engine.engine.lifecycle_ops import LifecycleOperations
from voucher_engine.engine.locks import LockOperations
from voucher_engine.engine.members import MemberOperations
from voucher_engine.engine.outbox import OutboxQueries
from voucher_engine.engine.pools import issued_of_pool
from voucher_engine.engine.sessions import SessionOperations
from voucher_engine.engine.spending import SpendingOperations
from voucher_engine.engine.status import StatusQueries
from voucher_engine.plugins import Hooks, PluginSettings, build_plugin_manager
from voucher_engine.storage import migrate
from voucher_engine.storage.database import Database
from voucher_engine.storage.tables import holds, pools, vouchers

DEFAULT_URL = "sqlite:///voucher-engine.sqlite3"


class Engine(
    LifecycleOperations,
    SpendingOperations,
    ChargeOperations,
    ClaimOperations,
    LockOperations,
    MemberOperations,
    CampaignOperations,
    CatalogOperations,
    SessionOperations,
    OutboxQueries,
    StatusQueries,
):
    """Every operation a host calls. Thread-safe: share one engine across threads."""

    @classmethod
    def open(
        cls,
        url: str = DEFAULT_URL,
        *,
        clock: Clock | None = None,
        ids: IdSource | None = None,
        random: RandomSource | None = None,
        config: EngineConfig | None = None,
        plugins: PluginSettings | None = None,
    ) -> Engine:
        """Open an engine on ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

        Clock, ids and randomness default to the real ones; tests inject their own. Plugins
        come from the ``voucher_engine`` entry-point group unless ``plugins`` says otherwise.
        """
        config = config or EngineConfig()
        clock = clock or SystemClock()
        random = random or system_random()
        database = Database(url, config.database)
        migrate_now = config.auto_migrate
        if migrate_now is None:
            migrate_now = database.dialect == "sqlite"
        if migrate_now and not migrate.is_current(database):
            migrate.upgrade(database)
        hooks = Hooks(build_plugin_manager(plugins))
        return cls(
            database,
            clock=clock,
            ids=ids or TimeOrderedIds(clock, random),
            random=random,
            config=config,
            hooks=hooks,
        )

    def close(self) -> None:
        self._db.dispose()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def stats(self, tenant_id: str | None = None) -> dict[str, Any]:
        """Counts an operator wants at a glance: vouchers by state, pools, holds, outbox."""

        def scoped(query: Select[*tuple[Any, ...]], table: Table) -> Select[*tuple[Any, ...]]:
            return query.where(table.c.tenant_id == tenant_id) if tenant_id is not None else query

        def read(conn: Connection) -> dict[str, Any]:
            by_state = conn.execute(
                scoped(select(vouchers.c.state, func.count()).group_by(vouchers.c.state), vouchers)
            ).all()
            pending = conn.execute(scoped(select(func.count()).where(holds.c.state == "pending"), holds)).scalar_one()
            pool_rows = conn.execute(
                scoped(
                    select(pools.c.tenant_id, pools.c.id, pools.c.size, issued_of_pool).order_by(
                        pools.c.tenant_id, pools.c.id
                    ),
                    pools,
                )
            ).all()
            return {
                "vouchers": dict(sorted(by_state)),
                "holds_pending": pending,
                "pools": [
                    {"tenant": t, "pool": p, "size": size, "issued": issued, "remaining": size - issued}
                    for t, p, size, issued in pool_rows
                ],
            }

        result = self._read(read)
        result["outbox"] = self.outbox_size(tenant_id)
        return result

    def issuance_stats(
        self, tenant_id: str | None = None, *, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, Any]:
        """Codes campaigns handed out, counted by campaign, category, product and distributor."""
        return issuance_stats(self, tenant_id, since=since, until=until)
