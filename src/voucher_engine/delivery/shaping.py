"""Webhooks in a provider's shape: what an endpoint registered for a provider receives.

An endpoint with a ``provider`` gets each event as that provider's ``webhooks`` maps it (the
partner's event name and payload), or nothing when it returns None. The shape is decided once,
when the event is fanned out into deliveries, and stored with the delivery, so every attempt
sends the same bytes; signing and delivery stay the core's. A shaping that fails is not a
reason to send nothing: the delivery is created unshaped and shaped again before each attempt
until it succeeds (then stored) or the retry schedule is used up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from voucher_engine.delivery.sql import clip
from voucher_engine.engine import Engine
from voucher_engine.providers import WebhookMessage

log = logging.getLogger("voucher_engine.delivery")

Shaper = Callable[[WebhookMessage], WebhookMessage | None]
#: The longest event type a delivery row holds.
MAX_TYPE = 64


class ShapingFailed(Exception):
    """A provider's ``webhooks`` raised, or named the event unusably: a bug of the provider's,
    perhaps passing. The delivery is kept and shaped again at each attempt (retried with
    backoff, logged, visible in the delivery log) -- never silently skipped."""


def shapers(engine: Engine) -> dict[str, Shaper]:
    return {p.name: p.webhooks for p in engine.hooks.providers() if p.webhooks is not None}


def needs_shaping(found: dict[str, Shaper], provider: str | None) -> bool:
    return provider is not None and provider in found


def shaped(engine: Engine, found: dict[str, Shaper], provider: str | None, event: Any) -> tuple[str, Any] | None:
    """``(event_type, payload)`` for a delivery of outbox row ``event`` to an endpoint of
    ``provider``: payload None means the outbox row's own; the whole answer None means the
    endpoint gets nothing. Raises ``ShapingFailed`` (logged here, with the traceback) when the
    provider's mapping fails."""
    shape = found.get(provider) if provider is not None else None
    if shape is None:
        return event.type, None
    message = WebhookMessage(
        event.type,
        event.payload,
        event_id=event.event_id,
        tenant_id=event.tenant_id,
        subject_id=event.subject_id,
        created_at=event.created_at,
        engine=engine,
    )
    try:
        mapped = shape(message)
    except Exception as error:  # any: a provider's bug becomes a retried, logged failure
        log.exception("provider %s could not shape %s %s", provider, event.type, event.event_id)
        raise ShapingFailed(f"the provider {provider!r} could not shape it: {type(error).__name__}: {error}") from error
    if mapped is None:
        return None
    if not (0 < len(mapped.type) <= MAX_TYPE):
        log.error(
            "provider %s named %s %s %r: 1 to %d characters",
            provider,
            event.type,
            event.event_id,
            mapped.type,
            MAX_TYPE,
        )
        raise ShapingFailed(f"the provider {provider!r} named it {mapped.type!r}: 1 to {MAX_TYPE} characters")
    return mapped.type, dict(mapped.data)


def fanned_out(engine: Engine, found: dict[str, Shaper], provider: str | None, event: Any) -> dict[str, Any] | None:
    """The shape columns of a new delivery of ``event`` to an endpoint of ``provider``
    (``event_type``, ``payload``, ``last_error``), or None when the endpoint gets nothing."""
    try:
        shape = shaped(engine, found, provider, event)
    except ShapingFailed as failure:
        # Created unshaped (payload NULL for an endpoint whose provider shapes): the worker
        # shapes it again before each attempt, and a failure there is a failed attempt.
        return {"event_type": event.type, "payload": None, "last_error": clip(f"shaping failed: {failure}")}
    if shape is None:
        return None
    return {"event_type": shape[0], "payload": shape[1], "last_error": None}
