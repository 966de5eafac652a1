"""Distributor bearer tokens: each token belongs to one distributor of one tenant."""

from __future__ import annotations

import threading
from weakref import WeakKeyDictionary

from voucher_engine import Engine
from voucher_engine.identity import DistributorIdentity, Identity
from voucher_engine.providers import AuthScheme, Credentials

_identities: WeakKeyDictionary[Engine, Identity] = WeakKeyDictionary()
_lock = threading.Lock()


def identity_of(engine: Engine) -> Identity:
    """One ``Identity`` per engine, built on first use: it holds caches (the signing keys)
    that are worth keeping across requests."""
    with _lock:
        found = _identities.get(engine)
        if found is None:
            found = _identities[engine] = Identity(engine)
        return found


def authenticate(engine: Engine, credentials: Credentials) -> DistributorIdentity:
    """The distributor holding this token, or ``Unauthorized``. The tenant comes from the
    token, so a distributor can only ever reach its own tenant's campaigns."""
    return identity_of(engine).authenticate_distributor(credentials.token or "")


DISTRIBUTOR_TOKEN = AuthScheme(
    "bearer", authenticate,
    description="The distributor's bearer token; each token is tied to one distributor_id.",
)
