"""The tenant, its API clients, distributors, partners and staff users."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from voucher_engine.identity import ClientInfo, DistributorInfo, StaffUser
from voucher_engine.plugin import Call, Reply, errors
from voucher_engine_admin.access import check_grantable
from voucher_engine_admin.context import services
from voucher_engine_admin.wire import MAX_LIST, Id, Label, Name, Wire, instant

Scope = Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^[\x21\x23-\x5B\x5D-\x7E]+$")]


class ClientIn(Wire):
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1, max_length=MAX_LIST)]
    name: Name | None = None


class DistributorIn(Wire):
    id: Id
    name: Name | None = None


class PartnerIn(Wire):
    id: Id
    algorithm: Literal["ES256", "EdDSA", "HS256"]
    #: The partner's public key (PEM) for ES256/EdDSA, the shared secret for HS256.
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=16_384)]
    audience: Name | None = None


class StaffIn(Wire):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    full_name: Annotated[str, msgspec.Meta(max_length=255)] = ""
    locale: Annotated[str, msgspec.Meta(min_length=2, max_length=16)] = "en"
    roles: Annotated[
        dict[Annotated[str, msgspec.Meta(min_length=1, max_length=128)], Label], msgspec.Meta(max_length=MAX_LIST)
    ] = {}  # noqa: RUF012 - msgspec copies an empty default per instance


class RoleIn(Wire):
    scope: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    #: ``null`` takes the scope away (the user's tokens for it stop working at once).
    role: Label | None


def _client(info: ClientInfo) -> dict[str, Any]:
    return {
        "client_id": info.client_id,
        "name": info.name,
        "scopes": sorted(info.scopes),
        "active": info.active,
        "created_at": instant(info.created_at),
    }


def _distributor(info: DistributorInfo) -> dict[str, Any]:
    return {
        "id": info.distributor_id,
        "name": info.name,
        "token_rotated_at": instant(info.token_rotated_at),
        "created_at": instant(info.created_at),
    }


def _staff(user: StaffUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "locale": user.locale,
        "active": user.active,
        "roles": dict(sorted(user.roles.items())),
    }


def tenant(call: Call) -> dict[str, Any]:
    principal = call.principal
    return {"id": principal.tenant_id, "client_id": principal.client_id, "scopes": sorted(principal.scopes)}


# --- API clients -------------------------------------------------------------------------------


def _find_client(call: Call, client_id: str) -> ClientInfo:
    for info in services(call.engine).identity.clients.list_clients(call.principal.tenant_id):
        if info.client_id == client_id:
            return info
    raise errors.NotFound(f"no client {client_id!r}")


def create_client(call: Call) -> Reply:
    body: ClientIn = call.body
    check_grantable(call.principal, body.scopes)
    new = services(call.engine).identity.clients.create_client(call.principal.tenant_id, body.scopes, body.name or "")
    return Reply(body={**_client(_find_client(call, new.client_id)), "client_secret": new.secret}, status=201)


def list_clients(call: Call) -> list[dict[str, Any]]:
    return [_client(c) for c in services(call.engine).identity.clients.list_clients(call.principal.tenant_id)]


def get_client(call: Call) -> dict[str, Any]:
    return _client(_find_client(call, call.path["client_id"]))


def disable_client(call: Call) -> dict[str, Any]:
    services(call.engine).identity.clients.disable_client(call.principal.tenant_id, call.path["client_id"])
    return _client(_find_client(call, call.path["client_id"]))


def rotate_client_secret(call: Call) -> dict[str, Any]:
    client_id = call.path["client_id"]
    secret = services(call.engine).identity.clients.rotate_client_secret(call.principal.tenant_id, client_id)
    return {**_client(_find_client(call, client_id)), "client_secret": secret}


# --- distributors ------------------------------------------------------------------------------


def _find_distributor(call: Call, distributor_id: str) -> DistributorInfo:
    for info in services(call.engine).identity.distributors.list_distributors(call.principal.tenant_id):
        if info.distributor_id == distributor_id:
            return info
    raise errors.NotFound(f"no distributor {distributor_id!r}")


def create_distributor(call: Call) -> Reply:
    body: DistributorIn = call.body
    token = services(call.engine).identity.distributors.create_distributor(
        call.principal.tenant_id, body.id, body.name or ""
    )
    return Reply(body={**_distributor(_find_distributor(call, body.id)), "token": token}, status=201)


def list_distributors(call: Call) -> list[dict[str, Any]]:
    found = services(call.engine).identity.distributors.list_distributors(call.principal.tenant_id)
    return [_distributor(d) for d in found]


def get_distributor(call: Call) -> dict[str, Any]:
    return _distributor(_find_distributor(call, call.path["distributor_id"]))


def rotate_distributor_token(call: Call) -> dict[str, Any]:
    distributor_id = call.path["distributor_id"]
    token = services(call.engine).identity.distributors.rotate_distributor_token(
        call.principal.tenant_id, distributor_id
    )
    return {**_distributor(_find_distributor(call, distributor_id)), "token": token}


# --- partners and staff ------------------------------------------------------------------------


def register_partner(call: Call) -> Reply:
    body: PartnerIn = call.body
    services(call.engine).identity.partners.register_partner(
        call.principal.tenant_id, body.id, body.key, algorithm=body.algorithm, audience=body.audience
    )
    # The key is never echoed: for HS256 it is a secret.
    return Reply(body={"id": body.id, "algorithm": body.algorithm, "audience": body.audience}, status=201)


def create_staff_user(call: Call) -> Reply:
    body: StaffIn = call.body
    user = services(call.engine).identity.staff.create_staff_user(
        call.principal.tenant_id,
        body.email,
        body.password,
        full_name=body.full_name,
        locale=body.locale,
        roles=body.roles,
    )
    return Reply(body=_staff(user), status=201)


def get_staff_user(call: Call) -> dict[str, Any]:
    return _staff(services(call.engine).identity.staff.staff_user(call.principal.tenant_id, call.path["user_id"]))


def set_staff_role(call: Call) -> dict[str, Any]:
    body: RoleIn = call.body
    staff = services(call.engine).identity.staff
    staff.set_staff_role(call.principal.tenant_id, call.path["user_id"], body.scope, body.role)
    return _staff(staff.staff_user(call.principal.tenant_id, call.path["user_id"]))
