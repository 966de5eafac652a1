"""Webhook endpoints (create, list, get, disable, enable, rotate the secret) and the delivery
log (list, one delivery with its attempts, redeliver one delivery or a whole event)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from voucher_engine.delivery import Attempt, Delivery, EndpointSecret, WebhookEndpoint
from voucher_engine.plugin import Call, Reply
from voucher_engine_admin.context import services
from voucher_engine_admin.wire import MAX_LIST, Label, Wire, instant


class EndpointIn(Wire):
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
    #: The event types to deliver; ``null`` (the default) delivers every event.
    event_types: Annotated[list[Label], msgspec.Meta(min_length=1, max_length=MAX_LIST)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=255)] = ""
    #: Deliver in this provider's shape (Jackpot's RESERVED, CONFIRMED, READY ...); ``null``:
    #: the core's events. A partner's notification URL is registered this way.
    provider: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None


class DisableQuery(Wire):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=255)] = "disabled by an operator"


class DeliveryQuery(Wire):
    event_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    endpoint_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    status: Literal["pending", "succeeded", "failed"] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=500)] = 100


def _endpoint(e: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": e.id,
        "url": e.url,
        "event_types": list(e.event_types) if e.event_types is not None else None,
        "description": e.description,
        "provider": e.provider,
        "enabled": e.enabled,
        "disabled_reason": e.disabled_reason,
        "created_at": instant(e.created_at),
        "updated_at": instant(e.updated_at),
    }


def _with_secret(created: EndpointSecret) -> dict[str, Any]:
    return {**_endpoint(created.endpoint), "secret": created.secret}


def _delivery(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "endpoint_id": d.endpoint_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": instant(d.next_attempt_at),
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "created_at": instant(d.created_at),
        "delivered_at": instant(d.delivered_at),
    }


def _attempt(a: Attempt) -> dict[str, Any]:
    return {
        "attempt": a.attempt,
        "started_at": instant(a.started_at),
        "duration_ms": a.duration_ms,
        "status_code": a.status_code,
        "error": a.error,
        "response_excerpt": a.response_excerpt,
    }


def create_endpoint(call: Call) -> Reply:
    body: EndpointIn = call.body
    created = services(call.engine).webhooks.create_endpoint(
        call.principal.tenant_id,
        body.url,
        event_types=body.event_types,
        description=body.description,
        provider=body.provider,
    )
    return Reply(body=_with_secret(created), status=201)


def list_endpoints(call: Call) -> list[dict[str, Any]]:
    return [_endpoint(e) for e in services(call.engine).webhooks.list_endpoints(call.principal.tenant_id)]


def get_endpoint(call: Call) -> dict[str, Any]:
    return _endpoint(services(call.engine).webhooks.get_endpoint(call.principal.tenant_id, call.path["endpoint_id"]))


def disable_endpoint(call: Call) -> dict[str, Any]:
    query: DisableQuery = call.query
    changed = services(call.engine).webhooks.disable_endpoint(
        call.principal.tenant_id, call.path["endpoint_id"], query.reason
    )
    return _endpoint(changed)


def enable_endpoint(call: Call) -> dict[str, Any]:
    changed = services(call.engine).webhooks.enable_endpoint(call.principal.tenant_id, call.path["endpoint_id"])
    return _endpoint(changed)


def rotate_endpoint_secret(call: Call) -> dict[str, Any]:
    rotated = services(call.engine).webhooks.rotate_secret(call.principal.tenant_id, call.path["endpoint_id"])
    return _with_secret(rotated)


def list_deliveries(call: Call) -> list[dict[str, Any]]:
    query: DeliveryQuery = call.query
    found = services(call.engine).webhooks.deliveries(
        call.principal.tenant_id,
        event_id=query.event_id,
        endpoint_id=query.endpoint_id,
        status=query.status,
        limit=query.limit,
    )
    return [_delivery(d) for d in found]


def get_delivery(call: Call) -> dict[str, Any]:
    hooks = services(call.engine).webhooks
    tenant, delivery_id = call.principal.tenant_id, call.path["delivery_id"]
    return {
        **_delivery(hooks.get_delivery(tenant, delivery_id)),
        "attempt_log": [_attempt(a) for a in hooks.attempts(tenant, delivery_id)],
    }


def redeliver(call: Call) -> dict[str, Any]:
    return _delivery(services(call.engine).webhooks.redeliver(call.principal.tenant_id, call.path["delivery_id"]))


def redeliver_event(call: Call) -> list[dict[str, Any]]:
    redone = services(call.engine).webhooks.redeliver_event(call.principal.tenant_id, call.path["event_id"])
    return [_delivery(d) for d in redone]
