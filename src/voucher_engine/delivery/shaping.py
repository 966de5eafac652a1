"""Webhooks in a provider's shape: what an endpoint registered for a provider receives.

An endpoint with a ``provider`` gets each event as that provider's ``webhooks`` maps it (the
partner's event name and payload), or nothing when it returns None. The shape is decided once,
when the event is fanned out into deliveries, and stored with the delivery, so every attempt
sends the same bytes; signing and delivery stay the core's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from voucher_engine.engine import Engine
from voucher_engine.providers import WebhookMessage

log = logging.getLogger("voucher_engine.delivery")

Shaper = Callable[[WebhookMessage], WebhookMessage | None]
#: The longest event type a delivery row holds.
MAX_TYPE = 64


def shapers(engine: Engine) -> dict[str, Shaper]:
    return {p.name: p.webhooks for p in engine.hooks.providers() if p.webhooks is not None}


def shaped(engine: Engine, found: dict[str, Shaper], provider: str | None, event: Any) -> tuple[str, Any] | None:
    """``(event_type, payload)`` for a delivery of outbox row ``event`` to an endpoint of
    ``provider``: payload None means the outbox row's own; the whole answer None means the
    endpoint gets nothing. A shaper that fails is logged and the endpoint skipped: one bad
    mapping must not hold up every other delivery."""
    shape = found.get(provider) if provider is not None else None
    if shape is None:
        return event.type, None
    message = WebhookMessage(
        event.type, event.payload, event_id=event.event_id, tenant_id=event.tenant_id,
        subject_id=event.subject_id, created_at=event.created_at, engine=engine,
    )
    try:
        mapped = shape(message)
    except Exception:  # logged with its traceback; the other endpoints go on
        log.exception("provider %s could not shape %s %s", provider, event.type, event.event_id)
        return None
    if mapped is None:
        return None
    if not (0 < len(mapped.type) <= MAX_TYPE):
        log.error("provider %s named %s %s %r: 1 to %d characters", provider, event.type, event.event_id,
                  mapped.type, MAX_TYPE)
        return None
    return mapped.type, dict(mapped.data)
