"""Staff API keys: long-lived bearer keys a tenant creates for its own integrations
(VoucherCart: "API key (or JWT token)" in the same ``Authorization: Bearer`` header).

Why a kind of its own, and not API clients or distributors: an API client's secret is argon2
hashed and exchanged for a short-lived JWT (the partner's client would have to speak OAuth),
and a distributor token names a distributor, not someone with permissions. A staff API key
*is* a staff user for the operations: it belongs to one user of the tenant, acts with that
user's grants as they are at each call, and stops working when the key is revoked or the user
is deactivated or deleted. Optionally it is bound to one scope (a domain), like a login.

A key is ``ak_`` + 256 random bits, stored as its SHA-256 digest (see ``opaque``), found by
index; it is shown once, at creation.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, insert, select, update

from voucher_engine.clock import IdSource, RandomSource
from voucher_engine.errors import ApiKeyNotFound, Forbidden, Unauthorized, ValidationError
from voucher_engine.identity.attempts import FailedAttempts
from voucher_engine.identity.config import IdentityConfig
from voucher_engine.identity.opaque import digest, new_token
from voucher_engine.identity.results import ApiKeyInfo, NewApiKey, StaffGrant, StaffPrincipal
from voucher_engine.identity.staff_directory import StaffDirectory, load_grants
from voucher_engine.identity.store import Store
from voucher_engine.storage.identity_tables import staff_api_keys, staff_users

if TYPE_CHECKING:
    from voucher_engine.engine.base import Tx

API_KEY_PREFIX = "ak_"


class ApiKeys:
    def __init__(
        self, store: Store, ids: IdSource, random: RandomSource, config: IdentityConfig, attempts: FailedAttempts
    ) -> None:
        self._attempts = attempts
        self._store = store
        self._ids = ids
        self._random = random
        self._config = config

    def create_api_key(self, tenant_id: str, user_id: str, *, name: str = "", scope: str | None = None) -> NewApiKey:
        """A new key acting as ``user_id`` (in ``scope`` only, when given). The key is in the
        result once; ``StaffUserNotFound`` for another tenant's user."""
        if not isinstance(name, str) or len(name) > 255:
            raise ValidationError("a key name is at most 255 characters")
        if scope is not None and (not isinstance(scope, str) or not (0 < len(scope) <= 128)):
            raise ValidationError("a scope is 1 to 128 characters")
        key_id = self._ids.new("apk")
        key = new_token(self._random, API_KEY_PREFIX)

        def create(tx: Tx) -> NewApiKey:
            StaffDirectory._require_user(tx.conn, tenant_id, user_id)
            tx.conn.execute(
                insert(staff_api_keys),
                {
                    "id": key_id,
                    "tenant_id": tenant_id,
                    "user_id": user_id,
                    "name": name or key_id,
                    "digest": digest(key),
                    "scope": scope,
                    "created_at": tx.now,
                },
            )
            return NewApiKey(key_id, key, tenant_id, user_id, name or key_id, scope, tx.now)

        return self._store.write(
            tenant_id, "create_api_key", create, {"key_id": key_id, "user_id": user_id, "scope": scope}
        )

    def list_api_keys(self, tenant_id: str, *, user_id: str | None = None) -> list[ApiKeyInfo]:
        query = select(staff_api_keys).where(staff_api_keys.c.tenant_id == tenant_id)
        if user_id is not None:
            query = query.where(staff_api_keys.c.user_id == user_id)
        rows = self._store.read(
            lambda conn: conn.execute(query.order_by(staff_api_keys.c.created_at, staff_api_keys.c.id)).all()
        )
        return [ApiKeyInfo(r.id, r.tenant_id, r.user_id, r.name, r.scope, r.created_at, r.revoked_at) for r in rows]

    def revoke_api_key(self, tenant_id: str, key_id: str) -> None:
        """The key stops working at once. Revoking twice is harmless; an unknown (or another
        tenant's) key is ``ApiKeyNotFound``."""

        def revoke(tx: Tx) -> None:
            found = tx.conn.execute(
                select(staff_api_keys.c.revoked_at).where(
                    staff_api_keys.c.tenant_id == tenant_id, staff_api_keys.c.id == key_id
                )
            ).first()
            if found is None:
                raise ApiKeyNotFound(f"no API key {key_id!r}")
            tx.conn.execute(
                update(staff_api_keys)
                .where(staff_api_keys.c.id == key_id, staff_api_keys.c.revoked_at.is_(None))
                .values(revoked_at=tx.now)
            )

        self._store.write(tenant_id, "revoke_api_key", revoke, {"key_id": key_id})

    def verify_api_key(
        self,
        key: str,
        *,
        roles: Collection[str] | None = None,
        tenant_id: str | None = None,
        scope: str | None = None,
        permission: str | None = None,
    ) -> StaffPrincipal:
        """The staff user behind a key, as a ``StaffPrincipal`` with ``via="api_key"``.

        ``Unauthorized``: unknown or revoked key, inactive user, another tenant, or a key
        bound to another scope than ``scope``. With ``scope`` (or for a scoped key), the
        principal's ``role`` is the one there and ``roles``/``permission`` are checked there;
        an unscoped key without ``scope`` has ``role`` ``None`` and passes no ``roles``
        check. Its ``grants`` hold every scope of the user (only the key's scope, for a
        scoped key)."""
        with self._attempts.limited():
            return self._verify_api_key(key, roles, tenant_id, scope, permission)

    def _verify_api_key(
        self,
        key: str,
        roles: Collection[str] | None,
        tenant_id: str | None,
        scope: str | None,
        permission: str | None,
    ) -> StaffPrincipal:
        if not isinstance(key, str) or not key.startswith(API_KEY_PREFIX):
            raise Unauthorized("invalid token", reason="malformed")

        def read(conn: Connection) -> tuple[Row[*tuple[Any, ...]], dict[str, StaffGrant]] | None:
            row = conn.execute(
                select(
                    staff_api_keys.c.id,
                    staff_api_keys.c.tenant_id,
                    staff_api_keys.c.user_id,
                    staff_api_keys.c.scope,
                    staff_api_keys.c.revoked_at,
                    staff_users.c.active,
                    staff_users.c.public_id,
                )
                .join(staff_users, staff_users.c.id == staff_api_keys.c.user_id)
                .where(staff_api_keys.c.digest == digest(key))
            ).first()
            if row is None or row.revoked_at is not None or not row.active:
                return None
            return row, load_grants(conn, [row.user_id], self._config.role_permissions).get(row.user_id, {})

        found = self._store.read(read)
        if found is None:
            raise Unauthorized("invalid token", reason="unknown_key")
        row, grants = found
        if tenant_id is not None and row.tenant_id != tenant_id:
            raise Unauthorized("invalid token", reason="tenant")
        if row.scope is not None:
            if scope is not None and scope != row.scope:
                raise Unauthorized("invalid token", reason="scope")
            grants = {s: g for s, g in grants.items() if s == row.scope}
        where = scope or row.scope
        grant = grants.get(where) if where is not None else None
        if where is not None and grant is None:
            raise Forbidden("no grant in this scope")
        if roles is not None and (grant is None or grant.role not in roles):
            raise Forbidden(f"this operation needs one of the roles {sorted(roles)}")
        principal = StaffPrincipal(
            row.tenant_id,
            row.user_id,
            where,
            grant.role if grant else None,
            None,
            grants,
            row.public_id,
            via="api_key",
            key_id=row.id,
        )
        if permission is not None:
            if where is None:
                raise ValidationError("name the scope in which the permission is needed")
            principal.require_permission(where, permission)
        return principal
