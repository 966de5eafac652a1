"""Identities from the shell, each secret shown once: ``distributor create | rotate``,
``partner add``, ``webhook add | list``, ``staff add``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from voucher_engine.cli.common import SECRET_NOTE, database_url, open_configured_engine, open_engine, url_option
from voucher_engine.delivery import Webhooks
from voucher_engine.errors import ValidationError
from voucher_engine.identity import Identity

#: Generated staff passwords and HS256 partner secrets: 32 random bytes, URL-safe.
GENERATED_BYTES = 32


def env_secret(variable: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise ValidationError(f"the environment variable {variable} is not set")
    return value


@click.group("distributor")
def distributor() -> None:
    """Register distributors (promo API bearer tokens)."""


@distributor.command("create")
@click.argument("tenant")
@click.argument("distributor_id", metavar="DISTRIBUTOR")
@click.option("--name", default="", help="a display name (default: the id)")
@url_option
def distributor_create(tenant: str, distributor_id: str, name: str, url: str | None) -> int:
    """Register a distributor; its bearer token is shown once."""
    with open_engine(database_url(url)) as engine:
        token = Identity(engine).distributors.create_distributor(tenant, distributor_id, name)
    click.echo(f"distributor: {tenant}/{distributor_id}")
    click.echo(f"token:       {token}")
    click.echo(SECRET_NOTE)
    return 0


@distributor.command("rotate")
@click.argument("tenant")
@click.argument("distributor_id", metavar="DISTRIBUTOR")
@url_option
def distributor_rotate(tenant: str, distributor_id: str, url: str | None) -> int:
    """Give a distributor a new token (shown once); the old one stops working at once."""
    with open_engine(database_url(url)) as engine:
        token = Identity(engine).distributors.rotate_distributor_token(tenant, distributor_id)
    click.echo(f"distributor: {tenant}/{distributor_id}")
    click.echo(f"token:       {token}")
    click.echo(SECRET_NOTE)
    return 0


@click.group("partner")
def partner() -> None:
    """Register partners that sign JWTs (Jackpot sessions)."""


@partner.command("add")
@click.argument("tenant")
@click.argument("partner_id", metavar="PARTNER")
@click.option(
    "--public-key",
    "public_key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="a PEM file with the partner's public key (ES256, RS256, EdDSA)",
)
@click.option("--algorithm", default=None, help="ES256 (default with --public-key), RS256, EdDSA or HS256")
@click.option("--secret-env", metavar="VARIABLE", help="HS256: take the shared secret from this variable")
@click.option("--audience", default=None, help="the aud its JWTs must carry")
@url_option
def partner_add(
    *,
    tenant: str,
    partner_id: str,
    public_key: Path | None,
    algorithm: str | None,
    secret_env: str | None,
    audience: str | None,
    url: str | None,
) -> int:
    """Register a partner's verification key. Without --public-key or --secret-env, an HS256
    shared secret is generated and shown once."""
    if public_key is not None and secret_env is not None:
        raise click.UsageError("give --public-key or --secret-env, not both")
    generated = None
    if public_key is not None:
        key, algorithm = public_key.read_text(encoding="utf-8"), algorithm or "ES256"
    else:
        if algorithm not in (None, "HS256"):
            raise click.UsageError(f"{algorithm} needs --public-key")
        algorithm = "HS256"
        key = env_secret(secret_env) if secret_env else secrets.token_urlsafe(GENERATED_BYTES)
        generated = None if secret_env else key
    with open_engine(database_url(url)) as engine:
        Identity(engine).partners.register_partner(tenant, partner_id, key, algorithm=algorithm, audience=audience)
    click.echo(f"partner: {tenant}/{partner_id} ({algorithm})")
    if generated is not None:
        click.echo(f"shared secret: {generated}")
        click.echo("store it now: it is the partner's signing key and is not shown again")
    return 0


@click.group("webhook")
def webhook() -> None:
    """Register and list webhook endpoints."""


@webhook.command("add")
@click.argument("tenant")
@click.argument("endpoint_url", metavar="URL")
@click.option("--event-type", "event_types", multiple=True, help="deliver only this event type (repeatable)")
@click.option("--provider", default=None, help="shape the events as this provider's webhooks (e.g. jackpot)")
@click.option("--description", default="")
@url_option
def webhook_add(
    *,
    tenant: str,
    endpoint_url: str,
    event_types: tuple[str, ...],
    provider: str | None,
    description: str,
    url: str | None,
) -> int:
    """Register an endpoint; its signing secret is shown once. Private addresses need the
    configuration's webhooks.networks."""
    with open_configured_engine(url) as engine:
        created = engine.shared(Webhooks).create_endpoint(
            tenant,
            endpoint_url,
            event_types=list(event_types) or None,
            description=description,
            provider=provider,
        )
    click.echo(f"endpoint: {created.endpoint.id} {created.endpoint.url}")
    click.echo(f"secret:   {created.secret}")
    click.echo("store it now: receivers verify signatures with it, and it is not shown again")
    return 0


@webhook.command("list")
@click.argument("tenant")
@url_option
def webhook_list(tenant: str, url: str | None) -> int:
    """The tenant's endpoints (never their secrets)."""
    with open_configured_engine(url) as engine:
        endpoints = engine.shared(Webhooks).list_endpoints(tenant)
    table = Table("id", "url", "events", "provider", "enabled", title=f"webhook endpoints of {tenant}")
    for e in endpoints:
        table.add_row(
            e.id,
            e.url,
            ", ".join(e.event_types) if e.event_types else "all",
            e.provider or "-",
            "yes" if e.enabled else f"no ({e.disabled_reason})",
        )
    Console(width=200 if not Console().is_terminal else None).print(table)
    return 0


@click.group("staff")
def staff() -> None:
    """Manage staff users."""


@staff.command("add")
@click.argument("tenant")
@click.argument("email")
@click.option("--role", "roles", multiple=True, metavar="SCOPE=ROLE", help="a role in a scope (repeatable)")
@click.option("--full-name", default="")
@click.option("--password-env", metavar="VARIABLE", help="take the password from this variable")
@url_option
def staff_add(
    *, tenant: str, email: str, roles: tuple[str, ...], full_name: str, password_env: str | None, url: str | None
) -> int:
    """Create a staff user; a generated password is shown once."""
    granted = {}
    for role in roles:
        scope, sep, name = role.partition("=")
        if not sep or not scope or not name:
            raise click.UsageError(f"--role {role!r} is not SCOPE=ROLE")
        granted[scope] = name
    password = env_secret(password_env) if password_env else secrets.token_urlsafe(GENERATED_BYTES)
    with open_engine(database_url(url)) as engine:
        user = Identity(engine).staff.create_staff_user(tenant, email, password, full_name=full_name, roles=granted)
    click.echo(f"staff user: {user.id} {user.email} (public id {user.public_id})")
    if not password_env:
        click.echo(f"password:   {password}")
        click.echo(SECRET_NOTE)
    return 0


COMMANDS = [distributor, partner, webhook, staff]
