"""The JTL voucher reservation provider (seed 001): OAuth 2 client credentials at
``POST /oauth/token``, reservations, charges and refunds under ``/v1``.

Written only against voucher-engine's public API (``voucher_engine.plugin``, the top-level
exports and the identity service), like any third-party provider. Mount it at ``/`` for JTL
shops and points of sale written against JTL's host: ``create_app(engine, mounts={"jtl": "/"})``.
See docs/providers/jtl.md.

This module imports nothing of the provider itself: the entry point makes every engine load
it, and the provider (its wire types, its operations) is only built when an app asks for the
registered providers.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

import pluggy

#: The engine's hook marker (``voucher_engine.plugin.hookimpl`` is this same marker); built here
#: so that loading the plugin does not load the provider model.
hookimpl = pluggy.HookimplMarker("voucher_engine")

__all__ = ["JtlSettings", "PROVIDER", "SCOPES", "configure"]


@hookimpl
def voucher_engine_register_providers(register) -> None:  # noqa: ANN001
    if find_spec("voucher_engine.plugin") is None:
        # A core without the provider model this plugin is written for: offer nothing rather
        # than break the host's other providers at start-up.
        return
    from voucher_engine_jtl.provider import PROVIDER

    register(PROVIDER)


def __getattr__(name: str) -> Any:  # noqa: ANN401 - lazy re-exports (PEP 562)
    if name == "PROVIDER":
        from voucher_engine_jtl.provider import PROVIDER

        return PROVIDER
    if name == "SCOPES":
        from voucher_engine_jtl.access import SCOPES

        return SCOPES
    if name in ("JtlSettings", "configure"):
        from voucher_engine_jtl import settings

        return getattr(settings, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
