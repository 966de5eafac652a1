"""The delivery log of a tenant, and manual redelivery (of one delivery, or of an event to
every endpoint that wants it now)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from voucher_engine.delivery.errors import DeliveryNotFound, EventNotFound
from voucher_engine.delivery.models import Attempt, Delivery
from voucher_engine.delivery.shaping import fanned_out, shapers
from voucher_engine.delivery.sql import insert_or_skip
from voucher_engine.engine import Engine
from voucher_engine.engine.base import Tx
from voucher_engine.storage.delivery_tables import webhook_attempts, webhook_deliveries, webhook_endpoints
from voucher_engine.storage.tables import outbox

D = webhook_deliveries.c
A = webhook_attempts.c
E = webhook_endpoints.c
O = outbox.c  # noqa: E741 - one capital letter per table's columns, as in every engine module


def delivery_from_row(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        tenant_id=row.tenant_id,
        endpoint_id=row.endpoint_id,
        event_id=row.event_id,
        event_type=row.event_type,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


class DeliveryLogOperations:
    engine: Engine

    def deliveries(
        self,
        tenant_id: str,
        *,
        event_id: str | None = None,
        endpoint_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        query = select(webhook_deliveries).where(D.tenant_id == tenant_id)
        if event_id is not None:
            query = query.where(D.event_id == event_id)
        if endpoint_id is not None:
            query = query.where(D.endpoint_id == endpoint_id)
        if status is not None:
            query = query.where(D.status == status)
        rows = self.engine._read(
            lambda conn: conn.execute(query.order_by(D.outbox_id, D.endpoint_id).limit(limit)).all()
        )
        return [delivery_from_row(r) for r in rows]

    def get_delivery(self, tenant_id: str, delivery_id: str) -> Delivery:
        return self.engine._read(lambda conn: delivery_from_row(self._delivery_row(conn, tenant_id, delivery_id)))

    def attempts(self, tenant_id: str, delivery_id: str) -> list[Attempt]:
        """Every recorded attempt of a delivery, oldest first."""

        def read(conn: Connection) -> list[Any]:
            self._delivery_row(conn, tenant_id, delivery_id)
            return list(
                conn.execute(select(webhook_attempts).where(A.delivery_id == delivery_id).order_by(A.attempt)).all()
            )

        return [
            Attempt(
                r.delivery_id,
                r.attempt,
                r.worker_id,
                r.started_at,
                r.duration_ms,
                r.status_code,
                r.error,
                r.response_excerpt,
            )
            for r in self.engine._read(read)
        ]

    def redeliver(self, tenant_id: str, delivery_id: str) -> Delivery:
        """Send a delivery again now, whatever its state, with a fresh retry schedule.

        A delivery in flight keeps its lease: the redelivery waits for that attempt, so the
        same delivery is never in flight twice."""

        def body(tx: Tx) -> Delivery:
            self._delivery_row(tx.conn, tenant_id, delivery_id)
            tx.conn.execute(update(webhook_deliveries).where(D.id == delivery_id).values(**self._again(tx)))
            return delivery_from_row(self._delivery_row(tx.conn, tenant_id, delivery_id))

        return self.engine._command(tenant_id, "redeliver", body, Delivery, request={"delivery": delivery_id})

    def redeliver_event(self, tenant_id: str, event_id: str) -> list[Delivery]:
        """Send an event again to every enabled endpoint of the tenant that wants it, including
        endpoints created after the event."""

        def body(tx: Tx) -> list[Delivery]:
            conn = tx.conn
            event = conn.execute(select(outbox).where(O.tenant_id == tenant_id, O.event_id == event_id)).first()
            if event is None:
                raise EventNotFound(f"no event {event_id!r}")
            endpoints = conn.execute(
                select(E.id, E.event_types, E.provider).where(E.tenant_id == tenant_id, E.enabled.is_(True))
            ).all()
            found = shapers(self.engine)
            shapes = {
                e.id: shape
                for e in endpoints
                if e.event_types is None or event.type in e.event_types
                if (shape := fanned_out(self.engine, found, e.provider, event)) is not None
            }
            wanted = list(shapes)
            if wanted:
                conn.execute(
                    insert_or_skip(tx.dialect, webhook_deliveries, ["endpoint_id", "outbox_id"]),
                    [
                        {
                            "id": self.engine.ids.new("dlv"),
                            "tenant_id": tenant_id,
                            "endpoint_id": endpoint_id,
                            "outbox_id": event.id,
                            "event_id": event_id,
                            **shapes[endpoint_id],
                            "status": "pending",
                            "attempts": 0,
                            "failures": 0,
                            "next_attempt_at": tx.now,
                            "created_at": tx.now,
                            "updated_at": tx.now,
                        }
                        for endpoint_id in wanted
                    ],
                )
                conn.execute(
                    update(webhook_deliveries)
                    .where(D.outbox_id == event.id, D.endpoint_id.in_(wanted))
                    .values(**self._again(tx))
                )
            rows = conn.execute(
                select(webhook_deliveries)
                .where(D.outbox_id == event.id, D.endpoint_id.in_(wanted))
                .order_by(D.endpoint_id)
            ).all()
            return [delivery_from_row(r) for r in rows]

        return self.engine._command(tenant_id, "redeliver_event", body, list, request={"event": event_id})

    @staticmethod
    def _again(tx: Tx) -> dict[str, Any]:
        now = tx.now
        return {"status": "pending", "next_attempt_at": now, "failures": 0, "delivered_at": None, "updated_at": now}

    def _delivery_row(self, conn: Connection, tenant_id: str, delivery_id: str) -> Any:
        row = conn.execute(select(webhook_deliveries).where(D.tenant_id == tenant_id, D.id == delivery_id)).first()
        if row is None:
            raise DeliveryNotFound(f"no delivery {delivery_id!r}")
        return row
