"""Staff sessions: Basic login into one scope issuing a JWT access token plus an opaque refresh
token, refresh with rotation, logout, and the check of a staff access token. The directory
(users, grants) is ``StaffDirectory``; ``StaffUsers`` is both.

A staff access token is tied to one scope and one refresh-token family; ``verify_staff``
reads that family (and the user's current grants) in the database on every call, so revoking
a family, removing a grant or deactivating the user takes effect at once, in every process,
not at token expiry.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, select, update

from voucher_engine.clock import IdSource
from voucher_engine.errors import Forbidden, Unauthorized, ValidationError
from voucher_engine.identity.attempts import STAFF, FailedAttempts
from voucher_engine.identity.config import IdentityConfig
from voucher_engine.identity.families import Families
from voucher_engine.identity.hashing import SecretHasher
from voucher_engine.identity.results import StaffGrant, StaffPrincipal, StaffTokens
from voucher_engine.identity.staff_directory import StaffDirectory, load_grants, normalise_email
from voucher_engine.identity.store import Store
from voucher_engine.identity.tokens import TokenKind, TokenService
from voucher_engine.storage.identity_tables import staff_roles, staff_users, token_families

if TYPE_CHECKING:
    from voucher_engine.engine.base import Tx

__all__ = ["StaffUsers", "normalise_email"]


class StaffUsers(StaffDirectory):
    def __init__(
        self,
        store: Store,
        ids: IdSource,
        hasher: SecretHasher,
        tokens: TokenService,
        families: Families,
        config: IdentityConfig,
        *,
        attempts: FailedAttempts,
    ) -> None:
        super().__init__(store, ids, hasher, families, config)
        self._tokens = tokens
        self._attempts = attempts

    # --- login, refresh, verify ---------------------------------------------------------------

    def login(
        self,
        tenant_id: str,
        email: str,
        password: str,
        scope: str,
        *,
        access_ttl: timedelta | None = None,
    ) -> StaffTokens:
        """Basic login into one scope. Every failure (unknown email, wrong password, no grant
        in ``scope``, inactive user) is the same ``Unauthorized``, and costs one argon2 verify.

        ``access_ttl``: the lifetime of this login's access tokens (VoucherCart: one day),
        kept by every refresh of it; at most ``IdentityConfig.max_staff_access_ttl``. ``None``:
        ``staff_access_ttl``."""
        if access_ttl is not None and not (timedelta(seconds=1) <= access_ttl <= self._config.max_staff_access_ttl):
            raise ValidationError(f"an access-token lifetime is 1 s to {self._config.max_staff_access_ttl}")
        target = email
        try:
            email = target = normalise_email(email)
        except ValidationError:
            email = ""  # matches nobody; the attempt still counts against what was typed
        with self._attempts.limited(STAFF, f"{tenant_id}\0{target}"):
            return self._login(tenant_id, email, password, scope, access_ttl)

    def _login(
        self, tenant_id: str, email: str, password: str, scope: str, access_ttl: timedelta | None
    ) -> StaffTokens:
        row = self._store.read(
            lambda conn: conn.execute(
                select(
                    staff_users.c.id,
                    staff_users.c.password_hash,
                    staff_users.c.active,
                    staff_roles.c.role,
                    staff_roles.c.scope,
                )
                .outerjoin(
                    staff_roles,
                    (staff_roles.c.user_id == staff_users.c.id) & (staff_roles.c.scope == scope),
                )
                .where(staff_users.c.tenant_id == tenant_id, staff_users.c.email == email)
            ).first()
        )
        matched = self._hasher.verify(row.password_hash if row else None, password or "")
        if row is None or not matched or not row.active or row.scope is None:
            raise Unauthorized("invalid credentials", reason="login")
        if self._hasher.needs_rehash(row.password_hash):
            self._rehash(tenant_id, row.id, password)
        family_id, refresh, refresh_expires = self._families.start(tenant_id, row.id, scope, access_ttl)
        return self._tokens_for(tenant_id, row.id, scope, row.role, family_id, refresh, refresh_expires, access_ttl)

    def refresh(self, access_token: str, refresh_token: str) -> StaffTokens:
        """Rotate both tokens. ``access_token`` may have expired; it names the family that
        ``refresh_token`` must belong to. A refresh token used twice revokes its family."""
        with self._attempts.limited():
            return self._refresh(access_token, refresh_token)

    def _refresh(self, access_token: str, refresh_token: str) -> StaffTokens:
        claims = self._staff_claims(access_token, allow_expired=True)
        if not isinstance(refresh_token, str) or not refresh_token:
            raise Unauthorized("invalid refresh token", reason="missing")
        rotated = self._families.rotate(claims["tid"], claims["fam"], refresh_token)
        return self._tokens_for(
            claims["tid"],
            rotated.user_id,
            rotated.scope,
            rotated.role,
            rotated.family_id,
            rotated.refresh_token,
            rotated.refresh_expires_at,
            rotated.access_ttl,
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
        permission: str | None = None,
    ) -> StaffPrincipal:
        """The staff user behind an access token, with their grants as they are now.

        ``Unauthorized``: bad or expired token, revoked family (a reused refresh token revokes
        it, and its access tokens fail here at once, in every process), inactive or deleted
        user, another tenant or scope than asked for. ``Forbidden``: valid, but no grant left
        in the token's scope, or its role is not one of ``roles``; ``PermissionDenied`` (a
        ``Forbidden``): ``permission`` is not granted in the token's scope."""
        with self._attempts.limited():
            return self._verify_staff(token, roles, tenant_id, scope, permission)

    def _verify_staff(
        self,
        token: str,
        roles: Collection[str] | None,
        tenant_id: str | None,
        scope: str | None,
        permission: str | None,
    ) -> StaffPrincipal:
        claims = self._staff_claims(token)
        if tenant_id is not None and claims["tid"] != tenant_id:
            raise Unauthorized("invalid token", reason="tenant")
        if scope is not None and claims["scp"] != scope:
            raise Unauthorized("invalid token", reason="scope")

        def read(conn: Connection) -> tuple[Row[*tuple[Any, ...]], dict[str, StaffGrant]] | None:
            row = conn.execute(
                select(token_families.c.revoked_at, staff_users.c.active, staff_users.c.public_id)
                .join(staff_users, staff_users.c.id == token_families.c.user_id)
                .where(
                    token_families.c.id == claims["fam"],
                    token_families.c.tenant_id == claims["tid"],
                    token_families.c.user_id == claims["sub"],
                )
            ).first()
            if row is None or row.revoked_at is not None or not row.active:
                return None
            return row, load_grants(conn, [claims["sub"]], self._config.role_permissions).get(claims["sub"], {})

        found = self._store.read(read)
        if found is None:
            raise Unauthorized("invalid token", reason="revoked")
        row, grants = found
        grant = grants.get(claims["scp"])
        if grant is None:
            raise Forbidden("no grant in this scope any more")
        if roles is not None and grant.role not in roles:
            raise Forbidden(f"this operation needs one of the roles {sorted(roles)}")
        principal = StaffPrincipal(
            claims["tid"], claims["sub"], claims["scp"], grant.role, claims["fam"], grants, row.public_id
        )
        if permission is not None:
            principal.require_permission(claims["scp"], permission)
        return principal

    # --- internals ----------------------------------------------------------------------------

    def _staff_claims(self, token: str, *, allow_expired: bool = False) -> dict[str, Any]:
        claims = self._tokens.verify(token, TokenKind.STAFF, allow_expired=allow_expired)
        if not all(isinstance(claims.get(name), str) for name in ("tid", "sub", "scp", "fam")):
            raise Unauthorized("invalid token", reason="claims")
        return claims

    def _tokens_for(
        self,
        tenant_id: str,
        user_id: str,
        scope: str,
        role: str | None,
        family_id: str,
        refresh: str,
        refresh_expires: datetime,
        access_ttl: timedelta | None,
    ) -> StaffTokens:
        claims = {"sub": user_id, "tid": tenant_id, "scp": scope, "fam": family_id}
        if role is not None:
            claims["role"] = role  # informative only: verify_staff reads the current grant
        signed = self._tokens.issue(TokenKind.STAFF, claims, access_ttl or self._config.staff_access_ttl)
        user = self.staff_user(tenant_id, user_id)
        return StaffTokens(signed.token, signed.jti, signed.expires_at, refresh, refresh_expires, family_id, user)

    def _rehash(self, tenant_id: str, user_id: str, password: str) -> None:
        password_hash = self._hasher.hash(password)

        def store(tx: Tx) -> None:
            tx.conn.execute(update(staff_users).where(staff_users.c.id == user_id).values(password_hash=password_hash))

        self._store.write(tenant_id, "rehash_staff_password", store, {"user_id": user_id})
