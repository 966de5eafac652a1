"""What the partner's notification URL receives: one webhook per step of a Jackpot voucher,
named by the step (``RESERVED``, ``CONFIRMED``, ``READY`` ...), whose ``data`` is the voucher
exactly as the REST API shows it (``GET /v2/vouchers/{voucherId}``) at that step: the state in
upper case, amounts as decimal strings, and ``code`` only from READY on.

The core relay signs and delivers it (Standard Webhooks); this only shapes it.
"""

from __future__ import annotations

import msgspec

from voucher_engine import State
from voucher_engine.plugin import WebhookMessage, errors
from voucher_engine_jackpot.views import facts, voucher_out

#: Core event -> the Jackpot step it announces.
STEPS: dict[str, str] = {
    "voucher.issued": "RESERVED",
    "voucher.confirmed": "CONFIRMED",
    "voucher.ready": "READY",
    "voucher.cancelled": "CANCELLED",
    "voucher.expired": "EXPIRED",
    "voucher.refund_requested": "REFUND_REQUESTED",
    "voucher.refunded": "REFUNDED",
}


def shape(message: WebhookMessage) -> WebhookMessage | None:
    """The partner's webhook for a core event; None for events that are no Jackpot step and
    for vouchers Jackpot did not reserve."""
    step = STEPS.get(message.type)
    if step is None or message.engine is None:
        return None
    try:
        voucher = message.engine.get_voucher(message.tenant_id, voucher_id=message.subject_id)
    except errors.NotFound:
        return None
    if facts(voucher) is None:
        return None
    # The voucher as it was at this step: its state then, and its code only once READY (before
    # that the code is a provisional reference). Everything else never changes after reserving.
    at_step = voucher_out(voucher)
    at_step.state = State(message.data.get("state", step.lower())).value.upper()
    at_step.code = message.data.get("code") if at_step.state in ("READY", "REFUND_REQUESTED", "REFUNDED") else None
    return WebhookMessage(step, msgspec.to_builtins(at_step))
