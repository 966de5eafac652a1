"""The Jackpot provider (seed 000): voucher reservation sessions at ``/v2/...``.

Written only against voucher-engine's public API, like any third-party provider. Mount it at
``/`` for partners written against Jackpot's host: ``create_app(engine, mounts={"jackpot": "/"})``.
Its job handlers (expiring unconfirmed reservations on time) reach every worker through the
``voucher_engine_register_job_handlers`` hook. See docs/providers/jackpot.md.
"""

from __future__ import annotations

from voucher_engine.delivery import EndpointSecret, JobHandler, Webhooks
from voucher_engine.plugin import Attachment, hookimpl

from voucher_engine_jackpot import attachment
from voucher_engine_jackpot.provider import PROVIDER
from voucher_engine_jackpot.reservation import EXPIRE_RESERVATION
from voucher_engine_jackpot.settings import JackpotSettings, configure
from voucher_engine_jackpot.vouchers import expire_reservation_job

#: What a partner's notification URL receives: one event per step of a Jackpot voucher.
EVENT_TYPES = (
    "voucher.issued",  # RESERVED (data.state "reserved")
    "voucher.confirmed",  # CONFIRMED
    "voucher.ready",  # READY
    "voucher.cancelled",  # CANCELLED by the partner
    "voucher.expired",  # EXPIRED: the reservation was not confirmed in time
    "voucher.refund_requested",  # REFUND_REQUESTED
    "voucher.refunded",  # REFUNDED
)

#: The job handlers a worker needs for this provider (besides the built-in fulfil_voucher).
JOB_HANDLERS: dict[str, JobHandler] = {EXPIRE_RESERVATION: expire_reservation_job}


def register_notification_url(webhooks: Webhooks, tenant_id: str, url: str) -> EndpointSecret:
    """The partner's notification URL: a webhook endpoint of its tenant for ``EVENT_TYPES``."""
    return webhooks.create_endpoint(tenant_id, url, event_types=list(EVENT_TYPES),
                                    description="Jackpot notification URL")


@hookimpl
def voucher_engine_register_providers(register) -> None:  # noqa: ANN001
    register(PROVIDER)


@hookimpl
def voucher_engine_register_job_handlers(register) -> None:  # noqa: ANN001
    for kind, handler in JOB_HANDLERS.items():
        register(kind, handler)


@hookimpl
def voucher_engine_render_attachment(voucher, media_type: str) -> Attachment | None:  # noqa: ANN001
    return attachment.render(voucher, media_type)


__all__ = [
    "EVENT_TYPES", "JOB_HANDLERS", "PROVIDER", "JackpotSettings", "configure", "register_notification_url",
]
