"""Refresh-token families (OAuth 2.0 Security BCP, refresh token rotation).

A login starts a family. Each refresh uses up the presented refresh token with one
conditional UPDATE (``used_at IS NULL``) and adds the next token to the same family. A token
presented a second time means it leaked (or a client raced itself): the whole family is
revoked, so neither the thief nor the victim can refresh again, and, because staff access
tokens are checked against their family on every verify, their access tokens stop working too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, insert, select, update

from voucher_engine.clock import IdSource, RandomSource
from voucher_engine.errors import Unauthorized
from voucher_engine.identity.opaque import digest, new_token
from voucher_engine.identity.store import Store
from voucher_engine.storage.identity_tables import refresh_tokens, staff_roles, staff_users, token_families

if TYPE_CHECKING:
    from voucher_engine.engine.base import Tx

REFRESH_PREFIX = "RT"  # VoucherCart's refresh tokens "start with RT letters"


@dataclass(frozen=True, slots=True)
class Rotated:
    family_id: str
    user_id: str
    scope: str
    role: str | None
    refresh_token: str
    refresh_expires_at: datetime
    access_ttl: timedelta | None = None  # chosen at login; None: the configured default


class Families:
    def __init__(self, store: Store, ids: IdSource, random: RandomSource, ttl: timedelta) -> None:
        self._store = store
        self._ids = ids
        self._random = random
        self._ttl = ttl

    def start(
        self, tenant_id: str, user_id: str, scope: str, access_ttl: timedelta | None = None
    ) -> tuple[str, str, datetime]:
        """A new family and its first refresh token: (family id, token, token expiry)."""
        family_id = self._ids.new("fam")

        def start(tx: Tx) -> tuple[str, datetime]:
            tx.conn.execute(
                insert(token_families),
                {
                    "id": family_id,
                    "tenant_id": tenant_id,
                    "user_id": user_id,
                    "scope": scope,
                    "created_at": tx.now,
                    "access_ttl_s": None if access_ttl is None else int(access_ttl.total_seconds()),
                },
            )
            return self._add_token(tx.conn, family_id, tx.now)

        token, expires = self._store.write(
            tenant_id, "start_token_family", start, {"user_id": user_id, "scope": scope, "family_id": family_id}
        )
        return family_id, token, expires

    def rotate(self, tenant_id: str, family_id: str, refresh_token: str) -> Rotated:
        """Use up ``refresh_token`` (of ``family_id``) and return the family's next one.

        Every refusal is ``Unauthorized``; a reuse also revokes the family, and that revocation
        is committed before the error is raised (the command returns the refusal instead of
        raising it, so that its transaction commits)."""
        outcome = self._store.write(
            tenant_id,
            "rotate_refresh_token",
            lambda tx: self._rotate_in(tx.conn, tenant_id, family_id, digest(refresh_token), tx.now),
            {"family_id": family_id},
        )
        if isinstance(outcome, str):
            raise Unauthorized("invalid refresh token", reason=outcome)
        return outcome

    def _rotate_in(
        self, conn: Connection, tenant_id: str, family_id: str, token_digest: str, now: datetime
    ) -> Rotated | str:
        row = conn.execute(
            select(
                refresh_tokens.c.expires_at,
                token_families.c.user_id,
                token_families.c.scope,
                token_families.c.revoked_at,
                token_families.c.access_ttl_s,
            )
            .join(token_families, token_families.c.id == refresh_tokens.c.family_id)
            .where(
                refresh_tokens.c.digest == token_digest,
                refresh_tokens.c.family_id == family_id,
                token_families.c.tenant_id == tenant_id,
            )
        ).first()
        if row is None:
            return "unknown"
        if row.revoked_at is not None:
            return "revoked"
        # The guard: one conditional UPDATE decides which of several concurrent presentations
        # of this token wins (tests/identity/test_identity_refresh_race.py).
        used_up = conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.digest == token_digest, refresh_tokens.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if used_up != 1:
            self._revoke_in(conn, family_id, now, "reuse")
            return "reused"
        if row.expires_at <= now:
            return "expired"
        grant = conn.execute(
            select(staff_roles.c.role)
            .join(staff_users, staff_users.c.id == staff_roles.c.user_id)
            .where(
                staff_roles.c.user_id == row.user_id,
                staff_roles.c.scope == row.scope,
                staff_users.c.active.is_(True),
            )
        ).first()
        if grant is None:
            self._revoke_in(conn, family_id, now, "access_removed")
            return "access_removed"
        token, expires = self._add_token(conn, family_id, now)
        ttl = None if row.access_ttl_s is None else timedelta(seconds=row.access_ttl_s)
        return Rotated(family_id, row.user_id, row.scope, grant.role, token, expires, ttl)

    def revoke(self, tenant_id: str, family_id: str, reason: str = "logout") -> bool:
        return self._store.write(
            tenant_id,
            "revoke_token_family",
            lambda tx: self._revoke_in(tx.conn, family_id, tx.now, reason, tenant_id) == 1,
            {"family_id": family_id, "reason": reason},
        )

    @staticmethod
    def revoke_user_in(conn: Connection, user_id: str, now: datetime, reason: str) -> int:
        """Revoke every live family of a user, inside the caller's command."""
        return conn.execute(
            update(token_families)
            .where(token_families.c.user_id == user_id, token_families.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        ).rowcount

    @staticmethod
    def _revoke_in(conn: Connection, family_id: str, now: datetime, reason: str, tenant_id: str | None = None) -> int:
        query = update(token_families).where(token_families.c.id == family_id, token_families.c.revoked_at.is_(None))
        if tenant_id is not None:
            query = query.where(token_families.c.tenant_id == tenant_id)
        return conn.execute(query.values(revoked_at=now, revoked_reason=reason)).rowcount

    def _add_token(self, conn: Connection, family_id: str, now: datetime) -> tuple[str, datetime]:
        token = new_token(self._random, REFRESH_PREFIX)
        expires = now + self._ttl
        conn.execute(
            insert(refresh_tokens),
            {"digest": digest(token), "family_id": family_id, "expires_at": expires, "created_at": now},
        )
        return token, expires
