"""The provider's settings, per engine: which tenant a Spaaza chain is, who may act on it, how
long an admin session lasts, and the currency ids Spaaza numbers currencies by.

A host changes them with ``configure(engine, SpaazaSettings(...))``; a server started by the
CLI, where no host code runs, uses the defaults, so the defaults must be usable as they are:
chain 1799 is the tenant ``chain-1799``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from voucher_engine import Engine
from voucher_engine.plugin import errors

#: The identity scope a staff user needs a role in to act through this provider.
STAFF_SCOPE = "spaaza"
#: The roles in ``STAFF_SCOPE`` that are Spaaza's "write access to the chain".
WRITE_ROLES = frozenset({"admin", "write"})
#: The API-client scope of a privileged application.
PRIVILEGED_SCOPE = "spaaza:privileged"
#: ``spaaza:app:<hostname>``: the app hostnames a privileged application may name in
#: ``X-Spaaza-MyPrice-App-Hostname``.
APP_SCOPE_PREFIX = "spaaza:app:"


@dataclass(frozen=True, slots=True)
class SpaazaSettings:
    #: Chain id -> tenant id, for tenants that existed before the chain was connected.
    chains: Mapping[int, str] = field(default_factory=dict)
    #: The tenant of a chain that ``chains`` does not list: ``chain-1799`` for chain 1799.
    tenant_prefix: str = "chain-"
    #: How long a session from ``POST /auth/login`` stays valid.
    session_ttl: timedelta = timedelta(hours=12)
    #: Spaaza's own currency ids (the seed: EUR is 2). Unlisted currencies answer their ISO
    #: 4217 numeric code; see ``currencies.py``.
    currency_ids: Mapping[str, int] = field(default_factory=lambda: {"EUR": 2})

    def __post_init__(self) -> None:
        if self.session_ttl <= timedelta(0):
            raise errors.ValidationError("session_ttl is positive")
        if any(type(chain) is not int or chain < 1 for chain in self.chains):
            raise errors.ValidationError("chain ids are positive integers")

    def tenant_of(self, chain_id: int) -> str:
        return self.chains.get(chain_id) or f"{self.tenant_prefix}{chain_id}"


def _defaults(engine: Engine) -> SpaazaSettings:
    return SpaazaSettings()


def configure(engine: Engine, settings: SpaazaSettings) -> None:
    """Give this engine's Spaaza provider its settings (defaults otherwise)."""
    engine.provide(_defaults, settings)


def settings_of(engine: Engine) -> SpaazaSettings:
    return engine.shared(_defaults)
