"""Reading the outbox. Writing happens inside each command (``Tx.emit``); delivery to
webhooks and workers comes with the relay."""

from __future__ import annotations

from sqlalchemy import func, select

from voucher_engine.engine.base import EngineBase
from voucher_engine.engine.results import StoredEvent
from voucher_engine.storage.tables import outbox

X = outbox.c


class OutboxQueries(EngineBase):
    def events(
        self, tenant_id: str, *, after_id: int = 0, limit: int = 1000, type: str | None = None
    ) -> list[StoredEvent]:
        """A tenant's events in the order they were written (for audits and tests; a relay
        claims rows with a lease instead of paging by id, as ids commit out of order)."""
        query = select(outbox).where(X.tenant_id == tenant_id, X.id > after_id).order_by(X.id).limit(limit)
        if type is not None:
            query = query.where(X.type == type)
        return [
            StoredEvent(r.id, r.event_id, r.tenant_id, r.type, r.subject_id, r.payload, r.created_at)
            for r in self._read(lambda c: c.execute(query).all())
        ]

    def outbox_size(self, tenant_id: str | None = None) -> int:
        query = select(func.count()).select_from(outbox)
        if tenant_id is not None:
            query = query.where(X.tenant_id == tenant_id)
        return self._read(lambda c: c.execute(query).scalar_one())
