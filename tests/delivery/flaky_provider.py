"""A provider whose webhook shaper fails while ``FAILING`` says so: for the tests of a
shaper that raises (the delivery must be kept and retried, never skipped)."""

from __future__ import annotations

import threading

from voucher_engine.plugin import Operation, Provider, Register, WebhookMessage, hookimpl

#: Set: the shaper raises; clear: it maps ``voucher.issued`` to ``card.created``.
FAILING = threading.Event()


def flaky_webhooks(message: WebhookMessage) -> WebhookMessage | None:
    if FAILING.is_set():
        raise RuntimeError("the partner mapping is broken")
    if message.type == "voucher.issued":
        return WebhookMessage("card.created", {"cardCode": message.data["code"]})
    return None


FLAKY = Provider(
    name="flaky",
    title="Flaky API",
    webhooks=flaky_webhooks,
    operations=(Operation("ping", "GET", "/ping", lambda call: {"ok": True}),),
)


@hookimpl
def voucher_engine_register_providers(register: Register) -> None:
    register(FLAKY)
