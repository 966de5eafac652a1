"""The Jackpot provider (seed 000): voucher reservation sessions at ``/v2/...``.

Written only against voucher-engine's public API, like any third-party provider. Mount it at
``/`` for partners written against Jackpot's host: ``create_app(engine, mounts={"jackpot": "/"})``.
Its job handlers (expiring unconfirmed reservations on time) reach every worker through the
``voucher_engine_register_job_handlers`` hook. See docs/providers/jackpot.md.
"""

from __future__ import annotations

from voucher_engine import Voucher
from voucher_engine.delivery import EndpointSecret, JobHandler, Webhooks
from voucher_engine.plugin import Attachment, Register, RegisterJobHandler, RegisterSettings, SettingsSection, hookimpl
from voucher_engine_jackpot import attachment
from voucher_engine_jackpot.provider import PROVIDER
from voucher_engine_jackpot.reservation import CONFIRM_RESERVATION, EXPIRE_RESERVATION
from voucher_engine_jackpot.settings import JackpotSettings, configure
from voucher_engine_jackpot.vouchers import confirm_reservation_job, expire_reservation_job
from voucher_engine_jackpot.webhooks import STEPS

#: The core events a partner's notification URL subscribes to: one per step of a Jackpot
#: voucher, delivered as the step (``webhooks.STEPS``) with the voucher in the REST API's shape.
EVENT_TYPES = tuple(STEPS)

#: The job handlers a worker needs for this provider (besides the built-in fulfil_voucher).
JOB_HANDLERS: dict[str, JobHandler] = {
    EXPIRE_RESERVATION: expire_reservation_job,
    CONFIRM_RESERVATION: confirm_reservation_job,
}


def register_notification_url(webhooks: Webhooks, tenant_id: str, url: str) -> EndpointSecret:
    """The partner's notification URL: a webhook endpoint of its tenant for ``EVENT_TYPES``,
    shaped by this provider (``RESERVED``, ``CONFIRMED``, ``READY`` ... with the voucher)."""
    return webhooks.create_endpoint(
        tenant_id, url, event_types=list(EVENT_TYPES), description="Jackpot notification URL", provider=PROVIDER.name
    )


@hookimpl
def voucher_engine_register_providers(register: Register) -> None:
    register(PROVIDER)


@hookimpl
def voucher_engine_register_settings(register: RegisterSettings) -> None:
    # [providers.jackpot] of the configuration file: session and reservation lifetimes ...
    register(SettingsSection("jackpot", JackpotSettings, configure, description="Jackpot reservation sessions"))


@hookimpl
def voucher_engine_register_job_handlers(register: RegisterJobHandler) -> None:
    for kind, handler in JOB_HANDLERS.items():
        register(kind, handler)


@hookimpl
def voucher_engine_render_attachment(voucher: Voucher, media_type: str) -> Attachment | None:
    return attachment.render(voucher, media_type)


__all__ = [
    "EVENT_TYPES",
    "JOB_HANDLERS",
    "PROVIDER",
    "JackpotSettings",
    "configure",
    "register_notification_url",
]
