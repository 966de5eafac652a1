"""The JTL voucher reservation provider (seed 001): OAuth 2 client credentials at
``POST /oauth/token``, reservations, charges and refunds under ``/v1``.

Written only against voucher-engine's public API (``voucher_engine.plugin``, the top-level
exports and the identity service), like any third-party provider. Mount it at ``/`` for JTL
shops and points of sale written against JTL's host: ``create_app(engine, mounts={"jtl": "/"})``.
See docs/providers/jtl.md.
"""

from __future__ import annotations

from voucher_engine.plugin import Register, RegisterSettings, SettingsSection, hookimpl
from voucher_engine_jtl.access import SCOPES
from voucher_engine_jtl.provider import PROVIDER
from voucher_engine_jtl.settings import JtlSettings, configure

__all__ = ["PROVIDER", "SCOPES", "JtlSettings", "configure"]


@hookimpl
def voucher_engine_register_providers(register: Register) -> None:
    register(PROVIDER)


@hookimpl
def voucher_engine_register_settings(register: RegisterSettings) -> None:
    register(SettingsSection("jtl", JtlSettings, configure, description="JTL voucher reservations"))
