"""The first admin client of a tenant. Every other client is created through the API by one
that holds ``admin:identity`` (or ``admin``); this one has to come from the host itself."""

from __future__ import annotations

from collections.abc import Iterable

from voucher_engine import Engine
from voucher_engine_admin.access import ADMIN
from voucher_engine_admin.context import services


def bootstrap(
    engine: Engine,
    tenant_id: str,
    *,
    name: str = "bootstrap admin",
    scopes: Iterable[str] = (ADMIN,),
    create_tenant: bool = False,
) -> tuple[str, str]:
    """Create an API client for ``tenant_id`` with the ``admin`` scope (or ``scopes``) and
    return ``(client_id, client_secret)``. The secret is shown only here: store it now.

    With ``create_tenant``, a missing tenant is created first; otherwise a missing tenant is
    ``TenantNotFound``/``NotFound``. Calling it again makes another client (it never reveals
    an existing secret); disable the spare ones through the API."""
    if create_tenant:
        engine.create_tenant(tenant_id)
    new = services(engine).identity.clients.create_client(tenant_id, list(scopes), name)
    return new.client_id, new.secret
