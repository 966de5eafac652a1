"""The services the admin API needs beside the engine: one ``Identity`` and one ``Webhooks``
per engine.

A plugin has no constructor the host calls, so the services are the engine's shared ones
(``engine.shared``), made on first use with their defaults, or set by the host beforehand with
``configure`` (to pass an ``IdentityConfig`` with configured signing keys, or
``DeliverySettings`` that allow a receiver on loopback).
"""

from __future__ import annotations

from dataclasses import dataclass

from voucher_engine import Engine
from voucher_engine.delivery import Webhooks
from voucher_engine.identity import Identity


@dataclass(slots=True)
class Services:
    identity: Identity
    webhooks: Webhooks


def configure(engine: Engine, *, identity: Identity | None = None, webhooks: Webhooks | None = None) -> None:
    """Use these services for ``engine`` (each one left out keeps, or gets, its default)."""
    if identity is not None:
        engine.provide(Identity, identity)
    if webhooks is not None:
        engine.provide(Webhooks, webhooks)


def services(engine: Engine) -> Services:
    return Services(engine.shared(Identity), engine.shared(Webhooks))
