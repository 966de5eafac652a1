"""Webhooks and background work: endpoints, Standard Webhooks signing, the outbox relay,
deliveries with retries, jobs, and the worker that runs them (in the app or as a process)."""

from voucher_engine.delivery.api import Webhooks
from voucher_engine.delivery.errors import (
    DeliveryNotFound,
    EventNotFound,
    JobNotFound,
    UnsafeWebhookUrl,
    WebhookEndpointNotFound,
)
from voucher_engine.delivery.jobs import BUILTIN_JOB_HANDLERS, JobHandler
from voucher_engine.delivery.models import Attempt, Delivery, EndpointSecret, Job, WebhookEndpoint
from voucher_engine.delivery.settings import DEFAULT_RETRY_SCHEDULE, DeliverySettings
from voucher_engine.delivery.worker import RoundReport, Worker, main_worker, run_worker, start_worker_thread

__all__ = [
    "BUILTIN_JOB_HANDLERS",
    "DEFAULT_RETRY_SCHEDULE",
    "Attempt",
    "Delivery",
    "DeliveryNotFound",
    "DeliverySettings",
    "EndpointSecret",
    "EventNotFound",
    "Job",
    "JobHandler",
    "JobNotFound",
    "RoundReport",
    "UnsafeWebhookUrl",
    "WebhookEndpoint",
    "WebhookEndpointNotFound",
    "Webhooks",
    "Worker",
    "main_worker",
    "run_worker",
    "start_worker_thread",
]
