"""Staff users: argon2id password hashes, a role per scope (a domain, a store...), Basic login
issuing a JWT access token plus an opaque refresh token, and refresh with rotation.

A staff access token is tied to one scope and one refresh-token family; ``verify_staff``
checks that family (and the user's current role) in the database on every call, so revoking
a family or removing a role takes effect at once, not at token expiry.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import Connection, delete, insert, select, update

from voucher_engine.clock import Clock, IdSource
from voucher_engine.errors import AlreadyExists, Forbidden, NotFound, Unauthorized, ValidationError
from voucher_engine.identity.config import IdentityConfig
from voucher_engine.identity.families import Families
from voucher_engine.identity.hashing import MAX_SECRET_LENGTH, SecretHasher
from voucher_engine.identity.results import StaffPrincipal, StaffTokens, StaffUser
from voucher_engine.identity.tokens import TokenKind, TokenService
from voucher_engine.storage.database import Database
from voucher_engine.storage.identity_tables import staff_roles, staff_users, token_families
from voucher_engine.storage.tables import tenants


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or email.startswith("@") or email.endswith("@"):
        raise ValidationError("not an email address")
    return email


def _check_password(password: str) -> None:
    if not isinstance(password, str) or not password or len(password) > MAX_SECRET_LENGTH:
        raise ValidationError(f"a password is 1 to {MAX_SECRET_LENGTH} characters")


def _check_role(scope: str, role: str) -> None:
    if not (0 < len(scope) <= 128) or not (0 < len(role) <= 64):
        raise ValidationError("a scope is 1 to 128 characters, a role 1 to 64")


class StaffUsers:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        ids: IdSource,
        hasher: SecretHasher,
        tokens: TokenService,
        families: Families,
        config: IdentityConfig,
    ) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        self._hasher = hasher
        self._tokens = tokens
        self._families = families
        self._config = config

    # --- administration ---------------------------------------------------------------------

    def create_staff_user(
        self,
        tenant_id: str,
        email: str,
        password: str,
        *,
        full_name: str = "",
        locale: str = "en",
        roles: Mapping[str, str] | None = None,
    ) -> StaffUser:
        email = normalise_email(email)
        _check_password(password)
        roles = dict(roles or {})
        for scope, role in roles.items():
            _check_role(scope, role)
        user_id = self._ids.new("usr")
        password_hash = self._hasher.hash(password)  # before the transaction: argon2 is slow
        with self._db.write() as conn:
            if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is None:
                raise NotFound(f"no tenant {tenant_id!r}")
            taken = conn.execute(
                select(staff_users.c.id).where(
                    staff_users.c.tenant_id == tenant_id, staff_users.c.email == email
                )
            ).first()
            if taken is not None:
                raise AlreadyExists(f"a staff user with email {email!r} exists")
            conn.execute(
                insert(staff_users),
                {
                    "id": user_id,
                    "tenant_id": tenant_id,
                    "email": email,
                    "password_hash": password_hash,
                    "full_name": full_name,
                    "locale": locale,
                    "active": True,
                    "created_at": self._clock.now(),
                },
            )
            if roles:
                conn.execute(
                    insert(staff_roles),
                    [{"user_id": user_id, "scope": s, "role": r} for s, r in roles.items()],
                )
        return StaffUser(user_id, tenant_id, email, full_name, locale, True, roles)

    def staff_user(self, tenant_id: str, user_id: str) -> StaffUser:
        with self._db.read() as conn:
            return self._load_user(conn, tenant_id, user_id)

    def set_staff_role(self, tenant_id: str, user_id: str, scope: str, role: str | None) -> None:
        """Give ``role`` in ``scope``, or with ``None`` take the scope away (its access tokens
        stop verifying at once)."""
        if role is not None:
            _check_role(scope, role)
        with self._db.write() as conn:
            self._require_user(conn, tenant_id, user_id)
            conn.execute(
                delete(staff_roles).where(staff_roles.c.user_id == user_id, staff_roles.c.scope == scope)
            )
            if role is not None:
                conn.execute(insert(staff_roles), {"user_id": user_id, "scope": scope, "role": role})

    def set_staff_password(self, tenant_id: str, user_id: str, password: str) -> None:
        """Change a password and sign the user out everywhere (every family is revoked)."""
        _check_password(password)
        password_hash = self._hasher.hash(password)
        with self._db.write() as conn:
            self._require_user(conn, tenant_id, user_id)
            conn.execute(
                update(staff_users).where(staff_users.c.id == user_id).values(password_hash=password_hash)
            )
        self._families.revoke_user(user_id, "password_changed")

    def deactivate_staff_user(self, tenant_id: str, user_id: str) -> None:
        with self._db.write() as conn:
            self._require_user(conn, tenant_id, user_id)
            conn.execute(update(staff_users).where(staff_users.c.id == user_id).values(active=False))
        self._families.revoke_user(user_id, "deactivated")

    # --- login, refresh, verify ---------------------------------------------------------------

    def login(self, tenant_id: str, email: str, password: str, scope: str) -> StaffTokens:
        """Basic login into one scope. Every failure (unknown email, wrong password, no role
        in ``scope``, inactive user) is the same ``Unauthorized``, and costs one argon2 verify."""
        try:
            email = normalise_email(email)
        except ValidationError:
            email = ""
        with self._db.read() as conn:
            row = conn.execute(
                select(staff_users.c.id, staff_users.c.password_hash, staff_users.c.active, staff_roles.c.role)
                .outerjoin(
                    staff_roles,
                    (staff_roles.c.user_id == staff_users.c.id) & (staff_roles.c.scope == scope),
                )
                .where(staff_users.c.tenant_id == tenant_id, staff_users.c.email == email)
            ).first()
        matched = self._hasher.verify(row.password_hash if row else None, password or "")
        if row is None or not matched or not row.active or row.role is None:
            raise Unauthorized("invalid credentials", reason="login")
        if self._hasher.needs_rehash(row.password_hash):
            self._rehash(row.id, password)
        family_id, refresh, refresh_expires = self._families.start(tenant_id, row.id, scope)
        return self._tokens_for(tenant_id, row.id, scope, row.role, family_id, refresh, refresh_expires)

    def refresh(self, access_token: str, refresh_token: str) -> StaffTokens:
        """Rotate both tokens. ``access_token`` may have expired; it names the family that
        ``refresh_token`` must belong to. A refresh token used twice revokes its family."""
        claims = self._staff_claims(access_token, allow_expired=True)
        if not isinstance(refresh_token, str) or not refresh_token:
            raise Unauthorized("invalid refresh token", reason="missing")
        rotated = self._families.rotate(claims["tid"], claims["fam"], refresh_token)
        return self._tokens_for(
            claims["tid"], rotated.user_id, rotated.scope, rotated.role,
            rotated.family_id, rotated.refresh_token, rotated.refresh_expires_at,
        )

    def logout(self, access_token: str) -> None:
        claims = self._staff_claims(access_token, allow_expired=True)
        self._families.revoke(claims["tid"], claims["fam"], "logout")

    def verify_staff(
        self,
        token: str,
        *,
        roles: Collection[str] | None = None,
        tenant_id: str | None = None,
        scope: str | None = None,
    ) -> StaffPrincipal:
        """The staff user behind an access token, with their current role in its scope.

        ``Unauthorized``: bad or expired token, revoked family, inactive user, another tenant
        or scope than asked for. ``Forbidden``: valid, but the role is not one of ``roles``."""
        claims = self._staff_claims(token)
        if tenant_id is not None and claims["tid"] != tenant_id:
            raise Unauthorized("invalid token", reason="tenant")
        if scope is not None and claims["scp"] != scope:
            raise Unauthorized("invalid token", reason="scope")
        with self._db.read() as conn:
            row = conn.execute(
                select(token_families.c.revoked_at, staff_users.c.active, staff_roles.c.role)
                .join(staff_users, staff_users.c.id == token_families.c.user_id)
                .outerjoin(
                    staff_roles,
                    (staff_roles.c.user_id == token_families.c.user_id)
                    & (staff_roles.c.scope == token_families.c.scope),
                )
                .where(
                    token_families.c.id == claims["fam"],
                    token_families.c.tenant_id == claims["tid"],
                    token_families.c.user_id == claims["sub"],
                )
            ).first()
        if row is None or row.revoked_at is not None or not row.active:
            raise Unauthorized("invalid token", reason="revoked")
        if row.role is None:
            raise Forbidden("no role in this scope any more")
        if roles is not None and row.role not in roles:
            raise Forbidden(f"this operation needs one of the roles {sorted(roles)}")
        return StaffPrincipal(claims["tid"], claims["sub"], claims["scp"], row.role, claims["fam"])

    # --- internals ----------------------------------------------------------------------------

    def _staff_claims(self, token: str, *, allow_expired: bool = False) -> dict:
        claims = self._tokens.verify(token, TokenKind.STAFF, allow_expired=allow_expired)
        if not all(isinstance(claims.get(name), str) for name in ("tid", "sub", "scp", "fam")):
            raise Unauthorized("invalid token", reason="claims")
        return claims

    def _tokens_for(
        self, tenant_id: str, user_id: str, scope: str, role: str,
        family_id: str, refresh: str, refresh_expires,  # noqa: ANN001
    ) -> StaffTokens:
        signed = self._tokens.issue(
            TokenKind.STAFF,
            {"sub": user_id, "tid": tenant_id, "scp": scope, "role": role, "fam": family_id},
            self._config.staff_access_ttl,
        )
        user = self.staff_user(tenant_id, user_id)
        return StaffTokens(
            signed.token, signed.jti, signed.expires_at, refresh, refresh_expires, family_id, user
        )

    def _rehash(self, user_id: str, password: str) -> None:
        password_hash = self._hasher.hash(password)
        with self._db.write() as conn:
            conn.execute(
                update(staff_users).where(staff_users.c.id == user_id).values(password_hash=password_hash)
            )

    @staticmethod
    def _require_user(conn: Connection, tenant_id: str, user_id: str) -> None:
        found = conn.execute(
            select(staff_users.c.id).where(staff_users.c.tenant_id == tenant_id, staff_users.c.id == user_id)
        ).first()
        if found is None:
            raise NotFound(f"no staff user {user_id!r}")

    @staticmethod
    def _load_user(conn: Connection, tenant_id: str, user_id: str) -> StaffUser:
        row = conn.execute(
            select(staff_users).where(staff_users.c.tenant_id == tenant_id, staff_users.c.id == user_id)
        ).first()
        if row is None:
            raise NotFound(f"no staff user {user_id!r}")
        roles = dict(
            conn.execute(
                select(staff_roles.c.scope, staff_roles.c.role).where(staff_roles.c.user_id == user_id)
            ).all()
        )
        return StaffUser(row.id, row.tenant_id, row.email, row.full_name, row.locale, row.active, roles)
