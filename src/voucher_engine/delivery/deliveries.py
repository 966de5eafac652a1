"""Sending deliveries: claim due ones, each under a lease of its own, POST each signed,
record the attempt.

A worker claims only as many deliveries as it can send at once, and renews the lease of each
while it is being sent (``leases.LeaseKeeper``): while a worker is alive no other worker takes
its delivery, however slow the receiver. When a worker dies, the lease runs out and the
delivery is sent again under the same ``webhook-id`` (at-least-once). The claim itself is a
conditional ``UPDATE`` (still pending, lease free), so two claimers never both take a row; the
outcome is written only under the token of the claim: a worker that lost its lease cannot
overwrite the state.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, insert, or_, select, update

from voucher_engine.delivery.backoff import retry_delay
from voucher_engine.delivery.endpoints import signing_secrets
from voucher_engine.delivery.errors import UnsafeWebhookUrl
from voucher_engine.delivery.payloads import event_body
from voucher_engine.delivery.sender import Response, post
from voucher_engine.delivery.settings import DeliverySettings
from voucher_engine.delivery.shaping import Shaper, ShapingFailed, needs_shaping, shaped, shapers
from voucher_engine.delivery.signing import signed_headers
from voucher_engine.delivery.sql import clip
from voucher_engine.delivery.urls import Resolver, check_url
from voucher_engine.engine import Engine
from voucher_engine.engine.base import Tx
from voucher_engine.storage.delivery_tables import webhook_attempts, webhook_deliveries, webhook_endpoints
from voucher_engine.storage.tables import outbox

log = logging.getLogger("voucher_engine.delivery")

D = webhook_deliveries.c
E = webhook_endpoints.c
O = outbox.c  # noqa: E741 - one capital letter per table's columns, as in every engine module

GONE = 410


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """What a provider's shaper reads of the outbox row a delivery carries."""

    event_id: str
    tenant_id: str
    type: str
    subject_id: str
    created_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    id: str
    tenant_id: str
    endpoint_id: str
    event_id: str
    attempt: int
    failures: int
    lease_token: str
    url: str
    secrets: tuple[str, ...]
    body: bytes | None  # None: to be shaped by ``provider`` before sending
    provider: str | None
    event: OutboxEvent


@dataclass(frozen=True, slots=True)
class Outcome:
    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    final: bool = False  # no point retrying: the delivery fails at once

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


#: The claim of one due delivery: it succeeds only if the row is still pending and its lease
#: free when this statement runs (re-checked under the row lock on PostgreSQL), so of two
#: workers that both saw it due, exactly one takes it.
_take = (
    update(webhook_deliveries)
    .where(
        D.id == bindparam("b_id"),
        D.status == "pending",
        or_(D.lease_until.is_(None), D.lease_until <= bindparam("b_now")),
    )
    .values(
        lease_until=bindparam("b_until"),
        lease_token=bindparam("b_token"),
        attempts=D.attempts + 1,
        updated_at=bindparam("b_now"),
    )
    .returning(D.id)
)


def due_deliveries(now: datetime) -> Select[Any]:
    """The ids of the deliveries due at ``now``: pending, their time come, no live lease, their
    endpoint enabled."""
    return (
        select(D.id)
        .join(webhook_endpoints, E.id == D.endpoint_id)
        .where(
            D.status == "pending",
            D.next_attempt_at <= now,
            or_(D.lease_until.is_(None), D.lease_until <= now),
            E.enabled.is_(True),
        )
    )


def claim_deliveries(
    engine: Engine, settings: DeliverySettings, *, limit: int, found: dict[str, Shaper] | None = None
) -> list[ClaimedDelivery]:
    """Claim up to ``limit`` due deliveries, each with a lease token of its own.

    ``found``: the providers' shapers; a delivery left unshaped at fan-out gets no ``body``
    here, the worker shapes it before sending (``prepare``)."""
    found = shapers(engine) if found is None else found

    def body(tx: Tx) -> list[ClaimedDelivery]:
        conn, now = tx.conn, tx.now
        due = list(
            conn.execute(
                due_deliveries(now)
                .order_by(D.next_attempt_at, D.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=webhook_deliveries)
            ).scalars()
        )
        until = now + timedelta(seconds=settings.lease_s)
        tokens: dict[str, str] = {}
        for delivery_id in due:
            token = engine.ids.new("lease")
            params = {"b_id": delivery_id, "b_now": now, "b_until": until, "b_token": token}
            if conn.execute(_take, params).first() is not None:
                tokens[delivery_id] = token
        if not tokens:
            return []
        rows = conn.execute(
            select(
                D.id,
                D.tenant_id,
                D.endpoint_id,
                D.event_id,
                D.attempts,
                D.failures,
                E.url,
                E.secret,
                E.previous_secret,
                E.previous_secret_until,
                E.provider,
                D.event_type,
                D.payload.label("shaped"),
                O.type,
                O.subject_id,
                O.created_at,
                O.payload,
            )
            .join(webhook_endpoints, E.id == D.endpoint_id)
            .join(outbox, O.id == D.outbox_id)
            .where(D.id.in_(list(tokens)))
            .order_by(D.next_attempt_at, D.id)
        ).all()
        return [_claimed(r, tokens[r.id], now, found) for r in rows]

    return engine._housekeeping(body)


def _claimed(r: Any, token: str, now: datetime, found: dict[str, Shaper]) -> ClaimedDelivery:
    unshaped = r.shaped is None and needs_shaping(found, r.provider)
    event = OutboxEvent(r.event_id, r.tenant_id, r.type, r.subject_id, r.created_at, r.payload)
    return ClaimedDelivery(
        id=r.id,
        tenant_id=r.tenant_id,
        endpoint_id=r.endpoint_id,
        event_id=r.event_id,
        attempt=r.attempts,
        failures=r.failures,
        lease_token=token,
        url=r.url,
        secrets=tuple(signing_secrets(r, now)),
        body=None
        if unshaped
        else event_body(r.event_id, r.event_type, r.created_at, r.payload if r.shaped is None else r.shaped),
        provider=r.provider,
        event=event,
    )


def prepare(engine: Engine, found: dict[str, Shaper], claimed: ClaimedDelivery) -> ClaimedDelivery | Outcome:
    """The delivery ready to send, or the outcome of an attempt that could not get that far.

    A delivery left unshaped (its provider's mapping failed at fan-out) is shaped now; the
    shape is stored under the lease before sending, so every later attempt sends the same
    bytes. A mapping that fails again is a failed attempt, retried on the schedule."""
    if claimed.body is not None:
        return claimed
    started_at = engine.clock.now()
    try:
        shape = shaped(engine, found, claimed.provider, claimed.event)
    except ShapingFailed as failure:
        return Outcome(started_at, 0, error=clip(f"shaping failed: {failure}"))
    if shape is None:
        return Outcome(started_at, 0, error="nothing to send: the provider's webhooks skip this event", final=True)
    event_type, payload = shape

    def store(tx: Tx) -> int:
        return int(
            tx.conn.execute(
                update(webhook_deliveries)
                .where(D.id == claimed.id, D.lease_token == claimed.lease_token)
                .values(event_type=event_type, payload=payload, updated_at=tx.now)
            ).rowcount
        )

    if not engine._housekeeping(store):
        return Outcome(started_at, 0, error="lease lost before sending")
    event = claimed.event
    body = event_body(event.event_id, event_type, event.created_at, payload if payload is not None else event.payload)
    return dataclasses.replace(claimed, body=body)


def send(engine: Engine, settings: DeliverySettings, claimed: ClaimedDelivery, resolve: Resolver) -> Outcome:
    started_at = engine.clock.now()
    start = time.monotonic()

    def outcome(response: Response | None = None, error: str | None = None) -> Outcome:
        duration = int((time.monotonic() - start) * 1000)
        if response is None:
            return Outcome(started_at, duration, error=clip(error))
        return Outcome(started_at, duration, response.status, None, clip(response.excerpt))

    if claimed.body is None:
        raise ValueError("an unshaped delivery is prepared before it is sent")
    try:
        # Checked again at every attempt: DNS answers change after the endpoint was created.
        target = check_url(claimed.url, settings, resolve)
    except UnsafeWebhookUrl as refused:
        return outcome(error=f"refused: {refused.message}")
    headers = signed_headers(claimed.secrets, claimed.event_id, int(started_at.timestamp()), claimed.body)
    headers.update({"content-type": "application/json", "user-agent": settings.user_agent})
    try:
        return outcome(post(target, claimed.body, headers, settings.request_timeout_s))
    except OSError as error:
        return outcome(error=str(error))
    except Exception as error:  # noqa: BLE001 - an odd failure is a failed attempt, not a lost lease
        return outcome(error=f"{type(error).__name__}: {error}")


def record(
    engine: Engine, settings: DeliverySettings, claimed: ClaimedDelivery, result: Outcome, worker_id: str
) -> str:
    """Log the attempt and move the delivery on; returns its new status."""

    def body(tx: Tx) -> tuple[int, dict[str, Any]]:
        conn, now = tx.conn, tx.now
        conn.execute(
            insert(webhook_attempts),
            {
                "delivery_id": claimed.id,
                "tenant_id": claimed.tenant_id,
                "attempt": claimed.attempt,
                "worker_id": worker_id,
                "started_at": result.started_at,
                "duration_ms": result.duration_ms,
                "status_code": result.status_code,
                "error": result.error,
                "response_excerpt": result.excerpt,
            },
        )
        values: dict[str, Any] = {
            "last_status_code": result.status_code,
            "last_error": result.error,
            "lease_until": None,
            "lease_token": None,
            "updated_at": now,
        }
        if result.succeeded:
            values.update(status="succeeded", delivered_at=now, next_attempt_at=None, failures=0)
        elif result.final:
            values.update(status="failed", next_attempt_at=None, failures=claimed.failures + 1)
        elif result.status_code == GONE:
            # The receiver says the endpoint is gone for good: stop sending anything to it.
            values.update(status="failed", next_attempt_at=None, failures=claimed.failures + 1)
            conn.execute(
                update(webhook_endpoints)
                .where(E.id == claimed.endpoint_id)
                .values(
                    enabled=False,
                    disabled_reason="the receiver answered 410 Gone",
                    updated_at=now,
                )
            )
        else:
            failures = claimed.failures + 1
            delay = retry_delay(settings.retry_schedule, failures, engine.random)
            if delay is None:
                values.update(status="failed", next_attempt_at=None, failures=failures)
            else:
                values.update(next_attempt_at=now + delay, failures=failures)
        changed = conn.execute(
            update(webhook_deliveries).where(D.id == claimed.id, D.lease_token == claimed.lease_token).values(**values)
        ).rowcount
        return changed, values

    changed, values = engine._housekeeping(body)
    if not changed:
        log.warning("delivery %s: lease lost before the outcome was recorded", claimed.id)
        return "lease_lost"
    return str(values.get("status", "pending"))
