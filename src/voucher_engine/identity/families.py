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

from sqlalchemy import Connection, insert, select, update

from voucher_engine.clock import Clock, IdSource, RandomSource
from voucher_engine.errors import Unauthorized
from voucher_engine.identity.opaque import digest, new_token
from voucher_engine.storage.database import Database
from voucher_engine.storage.identity_tables import refresh_tokens, staff_roles, staff_users, token_families

REFRESH_PREFIX = "RT"  # VoucherCart's refresh tokens "start with RT letters"


@dataclass(frozen=True, slots=True)
class Rotated:
    family_id: str
    user_id: str
    scope: str
    role: str
    refresh_token: str
    refresh_expires_at: datetime


class Families:
    def __init__(
        self, db: Database, clock: Clock, ids: IdSource, random: RandomSource, ttl: timedelta
    ) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        self._random = random
        self._ttl = ttl

    def start(self, tenant_id: str, user_id: str, scope: str) -> tuple[str, str, datetime]:
        """A new family and its first refresh token: (family id, token, token expiry)."""
        family_id = self._ids.new("fam")
        now = self._clock.now()
        with self._db.write() as conn:
            conn.execute(
                insert(token_families),
                {
                    "id": family_id,
                    "tenant_id": tenant_id,
                    "user_id": user_id,
                    "scope": scope,
                    "created_at": now,
                },
            )
            token, expires = self._add_token(conn, family_id, now)
        return family_id, token, expires

    def rotate(self, tenant_id: str, family_id: str, refresh_token: str) -> Rotated:
        """Use up ``refresh_token`` (of ``family_id``) and return the family's next one.

        Every refusal is ``Unauthorized``; a reuse also revokes the family, and that revocation
        is committed before the error is raised."""
        now = self._clock.now()
        with self._db.write() as conn:
            outcome = self._rotate_in(conn, tenant_id, family_id, digest(refresh_token), now)
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
        role = conn.execute(
            select(staff_roles.c.role)
            .join(staff_users, staff_users.c.id == staff_roles.c.user_id)
            .where(
                staff_roles.c.user_id == row.user_id,
                staff_roles.c.scope == row.scope,
                staff_users.c.active.is_(True),
            )
        ).scalar_one_or_none()
        if role is None:
            self._revoke_in(conn, family_id, now, "access_removed")
            return "access_removed"
        token, expires = self._add_token(conn, family_id, now)
        return Rotated(family_id, row.user_id, row.scope, role, token, expires)

    def revoke(self, tenant_id: str, family_id: str, reason: str = "logout") -> bool:
        with self._db.write() as conn:
            return self._revoke_in(conn, family_id, self._clock.now(), reason, tenant_id) == 1

    def revoke_user(self, user_id: str, reason: str) -> int:
        with self._db.write() as conn:
            return conn.execute(
                update(token_families)
                .where(token_families.c.user_id == user_id, token_families.c.revoked_at.is_(None))
                .values(revoked_at=self._clock.now(), revoked_reason=reason)
            ).rowcount

    @staticmethod
    def _revoke_in(
        conn: Connection, family_id: str, now: datetime, reason: str, tenant_id: str | None = None
    ) -> int:
        query = update(token_families).where(
            token_families.c.id == family_id, token_families.c.revoked_at.is_(None)
        )
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
