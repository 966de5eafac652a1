"""The identity sections of a fixture file (docs/fixtures.md): API clients, distributors,
partners, webhook endpoints and staff users.

Each entry is found again by a key of its own (a client by its name, a distributor and a
partner by id, an endpoint by URL, a staff user by email), so a reload creates nothing. A secret
is either generated at creation and reported once (``NewSecret``), or read from the environment
variable the entry names; the database keeps only hashes, so a generated secret cannot be shown
again.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, overload

from voucher_engine.delivery import Webhooks
from voucher_engine.delivery.signing import checked_secret
from voucher_engine.delivery.urls import check_url
from voucher_engine.engine import Engine
from voucher_engine.errors import AlreadyExists, StaffUserNotFound, ValidationError
from voucher_engine.identity import Identity
from voucher_engine.identity.distributors import checked_distributor_token
from voucher_engine.identity.opaque import checked_given
from voucher_engine.identity.partners import checked_partner_key
from voucher_engine.identity.scopes import parse_scopes
from voucher_engine.identity.staff_directory import check_password, checked_grant, normalise_email

IDENTITY_SECTIONS = ("clients", "distributors", "partners", "webhooks", "staff")
#: Generated partner secrets and staff passwords: 32 random bytes, URL-safe.
GENERATED_BYTES = 32


class Entry(Protocol):
    """What ``fixtures._Entry`` offers the readers here."""

    def tenant(self) -> str: ...
    @overload
    def ident(self, key: str = "id", *, required: Literal[True] = True) -> str: ...
    @overload
    def ident(self, key: str = "id", *, required: bool) -> str | None: ...
    @overload
    def text(self, key: str, *, required: Literal[True], limit: int = 255) -> str: ...
    @overload
    def text(self, key: str, *, default: str, limit: int = 255) -> str: ...
    @overload
    def text(self, key: str, *, required: bool = False, default: None = None, limit: int = 255) -> str | None: ...
    def strings(self, key: str) -> tuple[str, ...]: ...
    def take(self, key: str, kind: type | tuple[type, ...], *, required: bool = False, default: Any = None) -> Any: ...
    def finish(self) -> None: ...


@dataclass(frozen=True, slots=True)
class NewSecret:
    """A secret made by this load, to be shown once."""

    kind: str
    tenant: str
    name: str
    field: str
    value: str

    def line(self) -> str:
        return f"{self.kind} {self.tenant}/{self.name} {self.field}: {self.value}"


@dataclass(frozen=True, slots=True)
class ClientPlan:
    tenant: str
    name: str
    scopes: frozenset[str]
    #: From the environment; None: generate one.
    secret: str | None


@dataclass(frozen=True, slots=True)
class DistributorPlan:
    tenant: str
    id: str
    name: str
    token: str | None


@dataclass(frozen=True, slots=True)
class PartnerPlan:
    tenant: str
    id: str
    algorithm: str
    #: The public key, or the shared secret taken from the environment; None: generate one.
    key: str | None
    audience: str | None


@dataclass(frozen=True, slots=True)
class WebhookPlan:
    tenant: str
    url: str
    event_types: tuple[str, ...] | None
    description: str
    provider: str | None
    secret: str | None


@dataclass(frozen=True, slots=True)
class StaffPlan:
    tenant: str
    email: str
    full_name: str
    roles: dict[str, str]
    #: From the environment; None: generate one.
    password: str | None


IdentityPlan = ClientPlan | DistributorPlan | PartnerPlan | WebhookPlan | StaffPlan


class BadEntry(ValueError):
    """One problem with one identity entry."""


def _from_env(entry: Entry, key: str) -> str | None:
    variable = entry.text(key, limit=128)
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise BadEntry(f"{key}: the environment variable {variable} is not set")
    return value


def _checked(check: Any, *args: Any, key: str = "") -> Any:
    try:
        return check(*args)
    except ValidationError as error:
        raise BadEntry(f"{key}: {error.message}" if key else error.message) from None


def read_client(e: Entry, base: Path) -> ClientPlan:
    tenant, name = e.tenant(), e.text("name", required=True)
    scopes = _checked(parse_scopes, list(e.strings("scopes")))
    if not scopes:
        raise BadEntry("scopes: at least one scope")
    secret = _from_env(e, "secret_env")
    if secret is not None:
        _checked(checked_given, secret, key="secret_env")
    e.finish()
    return ClientPlan(tenant, name or "", scopes, secret)


def read_distributor(e: Entry, base: Path) -> DistributorPlan:
    tenant, distributor_id = e.tenant(), e.ident()
    name = e.text("name", default=distributor_id)
    token = _from_env(e, "token_env")
    if token is not None:
        _checked(checked_distributor_token, token, key="token_env")
    e.finish()
    return DistributorPlan(tenant, distributor_id or "", name or "", token)


def read_partner(e: Entry, base: Path) -> PartnerPlan:
    tenant, partner_id = e.tenant(), e.ident()
    public_key, key_file = e.text("public_key", limit=20_000), e.text("public_key_file")
    secret = _from_env(e, "secret_env")
    given = [
        k
        for k, v in (("public_key", public_key), ("public_key_file", key_file), ("secret_env", secret))
        if v is not None
    ]
    if len(given) > 1:
        raise BadEntry(f"give one of public_key, public_key_file and secret_env, not {' and '.join(given)}")
    if key_file is not None:
        try:
            public_key = (base / key_file).read_text(encoding="utf-8")
        except OSError as error:
            raise BadEntry(f"public_key_file: cannot read {key_file}: {error.strerror}") from None
    default = "ES256" if public_key is not None else "HS256"
    algorithm = e.text("algorithm", default=default) or default
    if public_key is None and algorithm != "HS256":
        raise BadEntry(f"algorithm: {algorithm} needs public_key or public_key_file")
    key = public_key if public_key is not None else secret
    if key is not None:
        _checked(checked_partner_key, algorithm, key, key="secret_env" if secret is not None else "")
    audience = e.text("audience")
    e.finish()
    return PartnerPlan(tenant, partner_id or "", algorithm, key, audience)


def read_webhook(e: Entry, base: Path) -> WebhookPlan:
    tenant, url = e.tenant(), e.text("url", required=True, limit=2048)
    types = e.strings("event_types") or None
    secret = _from_env(e, "secret_env")
    if secret is not None:
        _checked(checked_secret, secret, key="secret_env")
    plan = WebhookPlan(tenant, url or "", types, e.text("description") or "", e.text("provider"), secret)
    e.finish()
    return plan


def read_staff(e: Entry, base: Path) -> StaffPlan:
    tenant = e.tenant()
    email = _checked(normalise_email, e.text("email", required=True, limit=320))
    roles = e.take("roles", dict, default={})
    for scope, role in roles.items():
        if not isinstance(role, str):
            raise BadEntry(f"roles.{scope}: expected a string")
        _checked(checked_grant, scope, role, ())
    password = _from_env(e, "password_env")
    if password is not None:
        _checked(check_password, password, key="password_env")
    full_name = e.text("full_name") or ""
    e.finish()
    return StaffPlan(tenant, email, full_name, dict(roles), password)


READERS: dict[str, Callable[[Entry, Path], IdentityPlan]] = {
    "clients": read_client,
    "distributors": read_distributor,
    "partners": read_partner,
    "webhooks": read_webhook,
    "staff": read_staff,
}


def key_of(plan: IdentityPlan) -> tuple[str, str]:
    """What finds the entry again, for duplicate checks: (tenant, key)."""
    if isinstance(plan, ClientPlan):
        return plan.tenant, plan.name
    if isinstance(plan, WebhookPlan):
        return plan.tenant, plan.url
    if isinstance(plan, StaffPlan):
        return plan.tenant, plan.email
    return plan.tenant, plan.id


def check_webhook(engine: Engine, plan: WebhookPlan) -> str | None:
    """Why the endpoint would be refused (the configured webhook guard, the provider), or None."""
    webhooks = engine.shared(Webhooks)
    try:
        check_url(plan.url, webhooks.settings, webhooks.resolve)
    except ValidationError as error:
        return error.message
    if plan.provider is not None and plan.provider not in {p.name for p in engine.hooks.providers()}:
        return f"provider: no provider registered as {plan.provider!r}"
    return None


def apply_identity(engine: Engine, plan: IdentityPlan) -> tuple[bool, list[NewSecret]]:
    """Create the entry unless it exists; (created, the secrets made)."""
    identity = engine.shared(Identity)
    if isinstance(plan, ClientPlan):
        if any(c.name == plan.name for c in identity.clients.list_clients(plan.tenant)):
            return False, []
        created = identity.clients.create_client(plan.tenant, plan.scopes, plan.name, secret=plan.secret)
        made = [NewSecret("client", plan.tenant, plan.name, "client_id", created.client_id)]
        if plan.secret is None:
            made.append(NewSecret("client", plan.tenant, plan.name, "client_secret", created.secret))
        return True, made
    if isinstance(plan, DistributorPlan):
        if any(d.distributor_id == plan.id for d in identity.distributors.list_distributors(plan.tenant)):
            return False, []
        token = identity.distributors.create_distributor(plan.tenant, plan.id, plan.name, token=plan.token)
        return True, [] if plan.token is not None else [NewSecret("distributor", plan.tenant, plan.id, "token", token)]
    if isinstance(plan, PartnerPlan):
        key = plan.key if plan.key is not None else secrets.token_urlsafe(GENERATED_BYTES)
        try:
            identity.partners.register_partner(
                plan.tenant, plan.id, key, algorithm=plan.algorithm, audience=plan.audience
            )
        except AlreadyExists:
            return False, []
        made = [] if plan.key is not None else [NewSecret("partner", plan.tenant, plan.id, "shared_secret", key)]
        return True, made
    if isinstance(plan, WebhookPlan):
        webhooks = engine.shared(Webhooks)
        if any(e.url == plan.url for e in webhooks.list_endpoints(plan.tenant)):
            return False, []
        endpoint = webhooks.create_endpoint(
            plan.tenant,
            plan.url,
            event_types=plan.event_types,
            description=plan.description,
            provider=plan.provider,
            secret=plan.secret,
        )
        return True, [] if plan.secret is not None else [
            NewSecret("webhook", plan.tenant, plan.url, "secret", endpoint.secret)
        ]
    try:
        identity.staff.find_staff_user(plan.tenant, email=plan.email)
        return False, []
    except StaffUserNotFound:
        pass
    password = plan.password if plan.password is not None else secrets.token_urlsafe(GENERATED_BYTES)
    identity.staff.create_staff_user(plan.tenant, plan.email, password, full_name=plan.full_name, roles=plan.roles)
    return True, [] if plan.password is not None else [
        NewSecret("staff", plan.tenant, plan.email, "password", password)
    ]
