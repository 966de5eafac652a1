"""The admin API: a provider plugin (mounted at ``/admin``) for what the CLI does, protected
by OAuth2 client-credentials tokens with admin scopes. Written against voucher-engine's public
API only, as any third-party provider would be. See docs/admin-api.md.

- ``bootstrap(engine, tenant_id)`` makes a tenant's first admin client;
- ``configure(engine, identity=..., webhooks=...)`` sets the services it uses for an engine.
"""

from __future__ import annotations

from voucher_engine.plugin import Register, hookimpl
from voucher_engine_admin.access import ADMIN, ADMIN_SCOPES, READ
from voucher_engine_admin.bootstrap import bootstrap
from voucher_engine_admin.context import configure
from voucher_engine_admin.provider import PROVIDER

__all__ = ["ADMIN", "ADMIN_SCOPES", "PROVIDER", "READ", "bootstrap", "configure"]


@hookimpl
def voucher_engine_register_providers(register: Register) -> None:
    register(PROVIDER)
