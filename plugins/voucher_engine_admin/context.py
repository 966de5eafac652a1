"""The services the admin API needs beside the engine: one ``Identity`` and one ``Webhooks``
per engine.

A plugin has no constructor the host calls, so the services are made on first use with their
defaults, or set by the host beforehand with ``configure`` (to pass an ``IdentityConfig`` with
configured signing keys, or ``DeliverySettings`` that allow a receiver on loopback). Keyed
weakly by engine: an engine that is closed and dropped takes its services with it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from voucher_engine import Engine
from voucher_engine.delivery import Webhooks
from voucher_engine.identity import Identity


@dataclass(slots=True)
class Services:
    identity: Identity
    webhooks: Webhooks


_services: WeakKeyDictionary[Engine, Services] = WeakKeyDictionary()
_lock = threading.Lock()


def configure(engine: Engine, *, identity: Identity | None = None, webhooks: Webhooks | None = None) -> None:
    """Use these services for ``engine`` (each one left out keeps, or gets, its default)."""
    with _lock:
        current = _services.get(engine)
        _services[engine] = Services(
            identity or (current.identity if current else Identity(engine)),
            webhooks or (current.webhooks if current else Webhooks(engine)),
        )


def services(engine: Engine) -> Services:
    with _lock:
        found = _services.get(engine)
        if found is None:
            # One Identity per engine: it caches the signing-key ring.
            found = _services[engine] = Services(Identity(engine), Webhooks(engine))
        return found
