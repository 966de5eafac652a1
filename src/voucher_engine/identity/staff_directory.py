"""The staff directory: users of a tenant, their profile (email, full name, phone, locale), a
stable integer ``public_id`` per tenant, and a grant per scope (a role, named permissions such
as ``redeem.voucher``, or both).

Another tenant's user is ``StaffUserNotFound``, as everywhere. Every write is one engine
command; passwords are hashed before it starts (argon2 is slow, a command holds the SQLite
write lock).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from voucher_engine.clock import IdSource
from voucher_engine.errors import StaffEmailTaken, StaffUserNotFound, ValidationError
from voucher_engine.identity.config import IdentityConfig
from voucher_engine.identity.families import Families
from voucher_engine.identity.hashing import MAX_SECRET_LENGTH, SecretHasher
from voucher_engine.identity.results import ALL_PERMISSIONS, StaffGrant, StaffUser
from voucher_engine.identity.store import Store, require_tenant
from voucher_engine.storage.identity_tables import (
    refresh_tokens,
    staff_api_keys,
    staff_roles,
    staff_users,
    token_families,
)

if TYPE_CHECKING:
    from voucher_engine.engine.base import Tx

_PERMISSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def normalise_email(email: str) -> str:
    if not isinstance(email, str):
        raise ValidationError("not an email address")
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or email.startswith("@") or email.endswith("@"):
        raise ValidationError("not an email address")
    return email


def check_password(password: str) -> None:
    if not isinstance(password, str) or not password or len(password) > MAX_SECRET_LENGTH:
        raise ValidationError(f"a password is 1 to {MAX_SECRET_LENGTH} characters")


def checked_grant(scope: str, role: str | None, permissions: Iterable[str]) -> StaffGrant:
    if not isinstance(scope, str) or not (0 < len(scope) <= 128):
        raise ValidationError("a scope is 1 to 128 characters")
    if role is not None and (not isinstance(role, str) or not (0 < len(role) <= 64)):
        raise ValidationError("a role is 1 to 64 characters")
    names = frozenset(permissions)
    for name in names:
        if not isinstance(name, str) or not (name == ALL_PERMISSIONS or _PERMISSION.match(name)):
            raise ValidationError(f"invalid permission name {name!r}")
    return StaffGrant(role, names)


def _check_profile(full_name: str | None, locale: str | None, phone: str | None) -> None:
    if full_name is not None and (not isinstance(full_name, str) or len(full_name) > 255):
        raise ValidationError("a full name is at most 255 characters")
    if locale is not None and (not isinstance(locale, str) or not (0 < len(locale) <= 16)):
        raise ValidationError("a locale is 1 to 16 characters")
    if phone is not None and (not isinstance(phone, str) or len(phone) > 64):
        raise ValidationError("a phone number is at most 64 characters")


def _grant_rows(user_id: str, grants: Mapping[str, StaffGrant]) -> list[dict[str, Any]]:
    return [
        {"user_id": user_id, "scope": scope, "role": g.role, "permissions": sorted(g.permissions)}
        for scope, g in grants.items()
        if g.role is not None or g.permissions
    ]


def load_grants(
    conn: Connection, user_ids: Iterable[str], implied: Mapping[str, frozenset[str]] | None = None
) -> dict[str, dict[str, StaffGrant]]:
    """user id -> scope -> grant; with ``implied``, each grant's permissions include those its
    role implies."""
    found: dict[str, dict[str, StaffGrant]] = {}
    ids = list(user_ids)
    if not ids:
        return found
    rows = conn.execute(
        select(staff_roles.c.user_id, staff_roles.c.scope, staff_roles.c.role, staff_roles.c.permissions)
        .where(staff_roles.c.user_id.in_(ids))
        .order_by(staff_roles.c.user_id, staff_roles.c.scope)
    ).all()
    for row in rows:
        names = frozenset(row.permissions or ())
        if implied and row.role is not None:
            names |= implied.get(row.role, frozenset())
        found.setdefault(row.user_id, {})[row.scope] = StaffGrant(row.role, names)
    return found


def _user(row: Row[*tuple[Any, ...]], grants: Mapping[str, StaffGrant]) -> StaffUser:
    roles = {scope: g.role for scope, g in grants.items() if g.role is not None}
    return StaffUser(
        row.id,
        row.tenant_id,
        row.email,
        row.full_name,
        row.locale,
        row.active,
        roles,
        row.public_id,
        row.phone,
        row.created_at,
        dict(grants),
    )


class StaffDirectory:
    def __init__(
        self, store: Store, ids: IdSource, hasher: SecretHasher, families: Families, config: IdentityConfig
    ) -> None:
        self._store = store
        self._ids = ids
        self._hasher = hasher
        self._families = families
        self._config = config

    # --- create and read ------------------------------------------------------------------------

    def create_staff_user(
        self,
        tenant_id: str,
        email: str,
        password: str,
        *,
        full_name: str = "",
        locale: str = "en",
        phone: str | None = None,
        roles: Mapping[str, str] | None = None,
        grants: Mapping[str, StaffGrant] | None = None,
    ) -> StaffUser:
        """A new user with the next ``public_id`` of the tenant. ``roles`` (scope -> role) and
        ``grants`` (scope -> ``StaffGrant``) may both be given; a scope in both takes the
        grant. ``StaffEmailTaken`` when the tenant has a user with that email."""
        email = normalise_email(email)
        check_password(password)
        _check_profile(full_name, locale, phone)
        all_grants = {scope: checked_grant(scope, role, ()) for scope, role in (roles or {}).items()}
        all_grants |= {s: checked_grant(s, g.role, g.permissions) for s, g in (grants or {}).items()}
        user_id = self._ids.new("usr")
        password_hash = self._hasher.hash(password)  # before the command: argon2 is slow

        def create(tx: Tx) -> StaffUser:
            # The tenant row lock serialises creations per tenant on PostgreSQL, so two users
            # never get the same public id (tests/identity/test_identity_directory_race.py).
            require_tenant(tx.conn, tenant_id, lock=True)
            taken = tx.conn.execute(
                select(staff_users.c.id).where(staff_users.c.tenant_id == tenant_id, staff_users.c.email == email)
            ).first()
            if taken is not None:
                raise StaffEmailTaken(f"a staff user with email {email!r} exists")
            public_id = tx.conn.execute(
                select(func.coalesce(func.max(staff_users.c.public_id), 0) + 1).where(
                    staff_users.c.tenant_id == tenant_id
                )
            ).scalar_one()
            tx.conn.execute(
                insert(staff_users),
                {
                    "id": user_id,
                    "tenant_id": tenant_id,
                    "email": email,
                    "password_hash": password_hash,
                    "full_name": full_name,
                    "locale": locale,
                    "phone": phone,
                    "active": True,
                    "created_at": tx.now,
                    "public_id": public_id,
                },
            )
            if rows := _grant_rows(user_id, all_grants):
                tx.conn.execute(insert(staff_roles), rows)
            return self._load_user(tx.conn, tenant_id, user_id)

        return self._store.write(tenant_id, "create_staff_user", create, {"user_id": user_id, "email": email})

    def staff_user(self, tenant_id: str, user_id: str) -> StaffUser:
        return self._store.read(lambda conn: self._load_user(conn, tenant_id, user_id))

    def find_staff_user(self, tenant_id: str, *, public_id: int | None = None, email: str | None = None) -> StaffUser:
        """The user with that ``public_id`` or ``email`` in ``tenant_id`` (exactly one of them
        given), else ``StaffUserNotFound``."""
        if (public_id is None) == (email is None):
            raise ValidationError("give exactly one of public_id and email")
        if public_id is not None:
            if isinstance(public_id, bool) or not isinstance(public_id, int):
                raise ValidationError("a public id is an integer")
            condition = staff_users.c.public_id == public_id
        else:
            try:
                condition = staff_users.c.email == normalise_email(email or "")
            except ValidationError:
                raise StaffUserNotFound("no such staff user") from None

        def find(conn: Connection) -> StaffUser:
            user_id = conn.execute(
                select(staff_users.c.id).where(staff_users.c.tenant_id == tenant_id, condition)
            ).scalar_one_or_none()
            if user_id is None:
                raise StaffUserNotFound("no such staff user")
            return self._load_user(conn, tenant_id, user_id)

        return self._store.read(find)

    def list_staff_users(self, tenant_id: str, *, include_inactive: bool = True) -> list[StaffUser]:
        """The tenant's users in order of ``public_id``."""

        def listing(conn: Connection) -> list[StaffUser]:
            query = select(staff_users).where(staff_users.c.tenant_id == tenant_id)
            if not include_inactive:
                query = query.where(staff_users.c.active.is_(True))
            rows = conn.execute(query.order_by(staff_users.c.public_id)).all()
            grants = load_grants(conn, [r.id for r in rows])
            return [_user(r, grants.get(r.id, {})) for r in rows]

        return self._store.read(listing)

    def staff_scopes_by_email(self, email: str) -> list[tuple[str, str]]:
        """``(tenant_id, scope)`` of every grant of every active user with this email, across
        tenants, sorted. An unknown or malformed email answers ``[]``: callers that expose
        this (VoucherCart's user-domains) must rate-limit it, as it tells who has an account."""
        try:
            email = normalise_email(email)
        except ValidationError:
            return []
        return self._store.read(
            lambda conn: [
                (row.tenant_id, row.scope)
                for row in conn.execute(
                    select(staff_users.c.tenant_id, staff_roles.c.scope)
                    .join(staff_roles, staff_roles.c.user_id == staff_users.c.id)
                    .where(staff_users.c.email == email, staff_users.c.active.is_(True))
                    .order_by(staff_users.c.tenant_id, staff_roles.c.scope)
                )
            ]
        )

    # --- change -----------------------------------------------------------------------------------

    def update_staff_user(
        self,
        tenant_id: str,
        user_id: str,
        *,
        email: str | None = None,
        full_name: str | None = None,
        locale: str | None = None,
        phone: str | None = None,
        grants: Mapping[str, StaffGrant] | None = None,
    ) -> StaffUser:
        """Change what is given (``None``: unchanged; ``phone=""`` clears the phone). ``grants``
        replaces every grant of the user, in the same transaction as the profile."""
        values: dict[str, object] = {}
        if email is not None:
            values["email"] = normalise_email(email)
        _check_profile(full_name, locale, phone)
        if full_name is not None:
            values["full_name"] = full_name
        if locale is not None:
            values["locale"] = locale
        if phone is not None:
            values["phone"] = phone or None
        checked = None if grants is None else {s: checked_grant(s, g.role, g.permissions) for s, g in grants.items()}

        def change(tx: Tx) -> StaffUser:
            self._require_user(tx.conn, tenant_id, user_id)
            if "email" in values:
                taken = tx.conn.execute(
                    select(staff_users.c.id).where(
                        staff_users.c.tenant_id == tenant_id,
                        staff_users.c.email == values["email"],
                        staff_users.c.id != user_id,
                    )
                ).first()
                if taken is not None:
                    raise StaffEmailTaken(f"a staff user with email {values['email']!r} exists")
            if values:
                tx.conn.execute(update(staff_users).where(staff_users.c.id == user_id).values(**values))
            if checked is not None:
                tx.conn.execute(delete(staff_roles).where(staff_roles.c.user_id == user_id))
                if rows := _grant_rows(user_id, checked):
                    tx.conn.execute(insert(staff_roles), rows)
            return self._load_user(tx.conn, tenant_id, user_id)

        request = {"user_id": user_id, "fields": sorted(values), "grants": checked is not None}
        return self._store.write(tenant_id, "update_staff_user", change, request)

    def set_staff_permissions(
        self,
        tenant_id: str,
        user_id: str,
        scope: str,
        role: str | None,
        permissions: frozenset[str] = frozenset(),
    ) -> None:
        """Set the grant of one scope: a role, named permissions, or both. No role and no
        permissions takes the scope away (its access tokens stop verifying at once)."""
        grant = checked_grant(scope, role, permissions)

        def change(tx: Tx) -> None:
            self._require_user(tx.conn, tenant_id, user_id)
            tx.conn.execute(delete(staff_roles).where(staff_roles.c.user_id == user_id, staff_roles.c.scope == scope))
            if rows := _grant_rows(user_id, {scope: grant}):
                tx.conn.execute(insert(staff_roles), rows)

        request = {"user_id": user_id, "scope": scope, "role": role, "permissions": sorted(grant.permissions)}
        self._store.write(tenant_id, "set_staff_permissions", change, request)

    def set_staff_role(self, tenant_id: str, user_id: str, scope: str, role: str | None) -> None:
        """Give ``role`` in ``scope`` (no named permissions), or with ``None`` take the scope
        away."""
        self.set_staff_permissions(tenant_id, user_id, scope, role)

    def set_staff_password(self, tenant_id: str, user_id: str, password: str) -> None:
        """Change a password and sign the user out everywhere (every family is revoked)."""
        check_password(password)
        password_hash = self._hasher.hash(password)

        def change(tx: Tx) -> None:
            self._require_user(tx.conn, tenant_id, user_id)
            tx.conn.execute(update(staff_users).where(staff_users.c.id == user_id).values(password_hash=password_hash))
            Families.revoke_user_in(tx.conn, user_id, tx.now, "password_changed")

        self._store.write(tenant_id, "set_staff_password", change, {"user_id": user_id})

    def deactivate_staff_user(self, tenant_id: str, user_id: str) -> None:
        """Refuse the user's logins, tokens and API keys from now on (families revoked)."""
        self._set_active(tenant_id, user_id, False)

    def reactivate_staff_user(self, tenant_id: str, user_id: str) -> None:
        """Let a deactivated user log in again (old sessions stay revoked)."""
        self._set_active(tenant_id, user_id, True)

    def delete_staff_user(self, tenant_id: str, user_id: str) -> None:
        """Remove the user with their grants, token families and API keys."""

        def remove(tx: Tx) -> None:
            self._require_user(tx.conn, tenant_id, user_id)
            families = select(token_families.c.id).where(token_families.c.user_id == user_id)
            tx.conn.execute(delete(refresh_tokens).where(refresh_tokens.c.family_id.in_(families)))
            tx.conn.execute(delete(token_families).where(token_families.c.user_id == user_id))
            tx.conn.execute(delete(staff_api_keys).where(staff_api_keys.c.user_id == user_id))
            tx.conn.execute(delete(staff_roles).where(staff_roles.c.user_id == user_id))
            tx.conn.execute(delete(staff_users).where(staff_users.c.id == user_id))

        self._store.write(tenant_id, "delete_staff_user", remove, {"user_id": user_id})

    # --- internals ------------------------------------------------------------------------------

    def _set_active(self, tenant_id: str, user_id: str, active: bool) -> None:
        def change(tx: Tx) -> None:
            self._require_user(tx.conn, tenant_id, user_id)
            tx.conn.execute(update(staff_users).where(staff_users.c.id == user_id).values(active=active))
            if not active:
                Families.revoke_user_in(tx.conn, user_id, tx.now, "deactivated")

        operation = "reactivate_staff_user" if active else "deactivate_staff_user"
        self._store.write(tenant_id, operation, change, {"user_id": user_id})

    @staticmethod
    def _require_user(conn: Connection, tenant_id: str, user_id: str) -> None:
        found = conn.execute(
            select(staff_users.c.id).where(staff_users.c.tenant_id == tenant_id, staff_users.c.id == user_id)
        ).first()
        if found is None:
            raise StaffUserNotFound(f"no staff user {user_id!r}")

    @staticmethod
    def _load_user(conn: Connection, tenant_id: str, user_id: str) -> StaffUser:
        row = conn.execute(
            select(staff_users).where(staff_users.c.tenant_id == tenant_id, staff_users.c.id == user_id)
        ).first()
        if row is None:
            raise StaffUserNotFound(f"no staff user {user_id!r}")
        return _user(row, load_grants(conn, [user_id]).get(user_id, {}))
