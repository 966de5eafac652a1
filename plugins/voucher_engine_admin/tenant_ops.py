"""Tenants, for the platform's operator: scope ``admin:tenants``.

Every other admin scope acts inside the caller's own tenant. Creating and listing tenants is
the one thing that crosses tenants, so it has a scope of its own that ``admin`` does not
include: an operator creates a client holding it with ``voucher-engine client create``.
"""

from __future__ import annotations

from typing import Any

from voucher_engine import Engine
from voucher_engine.identity import Identity, Principal
from voucher_engine.plugin import AuthScheme, Call, Credentials, Reply, errors
from voucher_engine_admin.access import TENANTS
from voucher_engine_admin.wire import Id, Name, Wire


class TenantIn(Wire):
    id: Id
    name: Name | None = None


def _operator(engine: Engine, credentials: Credentials) -> Principal:
    if not credentials.token:
        raise errors.Unauthorized("missing bearer token")
    principal = engine.shared(Identity).verify_access(credentials.token)
    if TENANTS not in principal.scopes:
        raise errors.Forbidden(f"this operation needs the scope {TENANTS}")
    return principal


OPERATOR = AuthScheme("bearer", _operator, description=f"An access token with the scope {TENANTS}")


def create_tenant(call: Call) -> Reply:
    body: TenantIn = call.body
    if not call.engine.create_tenant(body.id, body.name):
        raise errors.AlreadyExists(f"tenant {body.id!r} exists already")
    return Reply({"id": body.id, "name": body.name or body.id}, status=201)


def list_tenants(call: Call) -> list[dict[str, Any]]:
    return [{"id": tenant_id} for tenant_id in call.engine.tenant_ids()]
