"""Errors of webhooks and jobs, in the engine's one hierarchy."""

from __future__ import annotations

from voucher_engine.errors import NotFound, ValidationError


class UnsafeWebhookUrl(ValidationError):
    """The URL's scheme is not http(s), or its host resolves to an address the guard refuses."""

    code = "unsafe_webhook_url"


class WebhookEndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"


class EventNotFound(NotFound):
    code = "event_not_found"


class JobNotFound(NotFound):
    code = "job_not_found"
