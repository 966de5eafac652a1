"""The Spaaza provider (seed 003): ``POST /claim-vouchers``, ``PUT /lock-voucher``,
``PUT|POST /unlock-voucher`` and ``POST /auth/login``, in Spaaza's result envelopes.

Written only against voucher-engine's public API, like any third-party provider. Mount it at
``/`` for clients written against Spaaza's host: ``create_app(engine, mounts={"spaaza": "/"})``.
Chains are tenants (``configure`` maps them; chain 1799 is ``chain-1799`` by default), users
are members. See docs/providers/spaaza.md.
"""

from __future__ import annotations

from voucher_engine import CodeFormat
from voucher_engine.plugin import Register, RegisterSettings, SettingsSection, hookimpl
from voucher_engine_spaaza.provider import PROVIDER
from voucher_engine_spaaza.settings import (
    APP_SCOPE_PREFIX,
    PRIVILEGED_SCOPE,
    STAFF_SCOPE,
    WRITE_ROLES,
    SpaazaSettings,
    configure,
)
from voucher_engine_spaaza.users import USER_ID_KIND, holder_of

#: Spaaza's voucher keys: 64 lower-case hex characters. Pools and issues for Spaaza chains use
#: it, so that every key this provider answers has Spaaza's shape (imported vouchers keep theirs).
VOUCHER_KEY_FORMAT = CodeFormat("X" * 64, charset="0123456789abcdef")


@hookimpl
def voucher_engine_register_providers(register: Register) -> None:
    register(PROVIDER)


@hookimpl
def voucher_engine_register_settings(register: RegisterSettings) -> None:
    register(SettingsSection("spaaza", SpaazaSettings, configure, description="Spaaza claim-vouchers"))


__all__ = [
    "APP_SCOPE_PREFIX",
    "PRIVILEGED_SCOPE",
    "PROVIDER",
    "STAFF_SCOPE",
    "USER_ID_KIND",
    "VOUCHER_KEY_FORMAT",
    "WRITE_ROLES",
    "SpaazaSettings",
    "configure",
    "holder_of",
]
