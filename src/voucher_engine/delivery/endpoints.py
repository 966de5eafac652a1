"""Webhook endpoints of a tenant: create (the secret is shown once), list, disable, enable,
rotate the secret."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from voucher_engine.delivery.errors import WebhookEndpointNotFound
from voucher_engine.delivery.models import EndpointSecret, WebhookEndpoint
from voucher_engine.delivery.settings import DeliverySettings
from voucher_engine.delivery.signing import checked_secret, new_secret
from voucher_engine.delivery.urls import Resolver, check_url
from voucher_engine.engine import Engine
from voucher_engine.engine.base import Tx
from voucher_engine.errors import ValidationError
from voucher_engine.storage.delivery_tables import webhook_endpoints

E = webhook_endpoints.c


def endpoint_from_row(row: Any) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row.id,
        tenant_id=row.tenant_id,
        url=row.url,
        event_types=tuple(row.event_types) if row.event_types is not None else None,
        description=row.description,
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
        provider=row.provider,
    )


def _event_types(types: Iterable[str] | None) -> list[str] | None:
    if types is None:
        return None
    if isinstance(types, str):
        raise ValidationError("event_types is a list of event types, not one string")
    chosen = sorted(set(types))
    if not chosen or any(not isinstance(t, str) or not (0 < len(t) <= 64) for t in chosen):
        raise ValidationError("event_types lists 1 or more event types of 1 to 64 characters")
    return chosen


class EndpointOperations:
    engine: Engine
    settings: DeliverySettings
    resolve: Resolver

    def create_endpoint(
        self,
        tenant_id: str,
        url: str,
        *,
        event_types: Iterable[str] | None = None,
        description: str = "",
        provider: str | None = None,
        secret: str | None = None,
    ) -> EndpointSecret:
        """Register ``url`` for the tenant's events (all of them, or those in ``event_types``).
        The returned secret is the only time it is shown. With ``provider``, that provider's
        ``webhooks`` shapes each event (its names and payloads; None: not sent). ``secret`` is
        one agreed with the receiver beforehand (``whsec_`` and 24 to 64 bytes in base64)."""
        check_url(url, self.settings, self.resolve)
        if provider is not None and provider not in {p.name for p in self.engine.hooks.providers()}:
            raise ValidationError(f"no provider registered as {provider!r}")
        types = _event_types(event_types)
        if len(description) > 255:
            raise ValidationError("a description is at most 255 characters")
        endpoint_id = self.engine.ids.new("whep")
        secret = checked_secret(secret) if secret is not None else new_secret(self.engine.random)

        def body(tx: Tx) -> WebhookEndpoint:
            self.engine._require_tenant(tx.conn, tenant_id)
            tx.conn.execute(
                insert(webhook_endpoints),
                {
                    "id": endpoint_id,
                    "tenant_id": tenant_id,
                    "url": url,
                    "secret": secret,
                    "event_types": types,
                    "description": description,
                    "enabled": True,
                    "provider": provider,
                    "created_at": tx.now,
                    "updated_at": tx.now,
                },
            )
            return self._load(tx.conn, tenant_id, endpoint_id)

        # The request names the URL, never the secret: the veto hook may log what it sees.
        request = {"url": url, "event_types": types, "description": description, "provider": provider}
        endpoint = self.engine._command(tenant_id, "create_webhook_endpoint", body, WebhookEndpoint, request=request)
        return EndpointSecret(endpoint, secret)

    def list_endpoints(self, tenant_id: str) -> list[WebhookEndpoint]:
        rows = self.engine._read(
            lambda conn: conn.execute(
                select(webhook_endpoints).where(E.tenant_id == tenant_id).order_by(E.created_at, E.id)
            ).all()
        )
        return [endpoint_from_row(r) for r in rows]

    def get_endpoint(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
        return self.engine._read(lambda conn: self._load(conn, tenant_id, endpoint_id))

    def disable_endpoint(
        self, tenant_id: str, endpoint_id: str, reason: str = "disabled by an operator"
    ) -> WebhookEndpoint:
        """Stop delivering to the endpoint; its pending deliveries wait until it is enabled."""
        return self._change(tenant_id, endpoint_id, enabled=False, disabled_reason=reason[:255])

    def enable_endpoint(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
        # The guard's verdict may have changed since creation (DNS, settings): ask again.
        check_url(self.get_endpoint(tenant_id, endpoint_id).url, self.settings, self.resolve)
        return self._change(tenant_id, endpoint_id, enabled=True, disabled_reason=None)

    def rotate_secret(self, tenant_id: str, endpoint_id: str) -> EndpointSecret:
        """A new secret; the old one keeps signing for ``settings.secret_grace``, so a receiver
        can switch over without dropping deliveries."""
        secret = new_secret(self.engine.random)
        keep_old = self.settings.secret_grace.total_seconds() > 0

        def body(tx: Tx) -> WebhookEndpoint:
            old = self._row(tx.conn, tenant_id, endpoint_id)
            tx.conn.execute(
                update(webhook_endpoints)
                .where(E.id == endpoint_id)
                .values(
                    secret=secret,
                    previous_secret=old.secret if keep_old else None,
                    previous_secret_until=tx.now + self.settings.secret_grace if keep_old else None,
                    updated_at=tx.now,
                )
            )
            return self._load(tx.conn, tenant_id, endpoint_id)

        endpoint = self.engine._command(
            tenant_id, "rotate_webhook_secret", body, WebhookEndpoint, request={"endpoint": endpoint_id}
        )
        return EndpointSecret(endpoint, secret)

    # --- helpers ---------------------------------------------------------------------------------

    def _change(self, tenant_id: str, endpoint_id: str, **values: Any) -> WebhookEndpoint:
        def body(tx: Tx) -> WebhookEndpoint:
            self._row(tx.conn, tenant_id, endpoint_id)
            tx.conn.execute(update(webhook_endpoints).where(E.id == endpoint_id).values(updated_at=tx.now, **values))
            return self._load(tx.conn, tenant_id, endpoint_id)

        operation = "enable_webhook_endpoint" if values.get("enabled") else "disable_webhook_endpoint"
        return self.engine._command(
            tenant_id, operation, body, WebhookEndpoint, request={"endpoint": endpoint_id, **values}
        )

    def _row(self, conn: Connection, tenant_id: str, endpoint_id: str) -> Any:
        row = conn.execute(select(webhook_endpoints).where(E.tenant_id == tenant_id, E.id == endpoint_id)).first()
        if row is None:
            raise WebhookEndpointNotFound(f"no webhook endpoint {endpoint_id!r}")
        return row

    def _load(self, conn: Connection, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
        return endpoint_from_row(self._row(conn, tenant_id, endpoint_id))


def signing_secrets(row: Any, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one during
    its grace period."""
    secrets = [row.secret]
    if row.previous_secret and row.previous_secret_until and row.previous_secret_until > now:
        secrets.append(row.previous_secret)
    return secrets
