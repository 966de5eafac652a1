"""What the delivery API returns: plain frozen dataclasses, no database rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: str
    tenant_id: str
    url: str
    event_types: tuple[str, ...] | None  # None: every event
    description: str
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime
    provider: str | None = None  # its webhooks are shaped by this provider's ``webhooks``

    def wants(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


@dataclass(frozen=True, slots=True)
class EndpointSecret:
    """Returned once, when an endpoint is created or its secret rotated: the only time the
    secret is shown."""

    endpoint: WebhookEndpoint
    secret: str


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    tenant_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: str  # pending, succeeded, failed
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Attempt:
    delivery_id: str
    attempt: int
    worker_id: str
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_excerpt: str | None


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    kind: str
    tenant_id: str | None
    payload: dict[str, Any]
    key: str | None
    status: str  # pending, succeeded, failed
    run_at: datetime
    attempts: int
    max_attempts: int
    last_error: str | None
    finished_at: datetime | None
