"""``Webhooks``: the delivery side's facade for hosts, the admin API and the CLI."""

from __future__ import annotations

from voucher_engine.delivery.endpoints import EndpointOperations
from voucher_engine.delivery.jobs import JobOperations
from voucher_engine.delivery.log import DeliveryLogOperations
from voucher_engine.delivery.settings import DeliverySettings
from voucher_engine.delivery.urls import Resolver, system_resolver
from voucher_engine.engine import Engine


class Webhooks(EndpointOperations, DeliveryLogOperations, JobOperations):
    """Webhook endpoints, the delivery log, redelivery and job enqueueing, on one engine."""

    def __init__(
        self, engine: Engine, settings: DeliverySettings | None = None, *, resolve: Resolver = system_resolver
    ) -> None:
        self.engine = engine
        self.settings = settings or DeliverySettings()
        self.resolve = resolve
