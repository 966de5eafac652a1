"""Distributors: bearer tokens bound to one distributor id of one tenant.

A token is 256 random bits, stored as its SHA-256 digest (see ``opaque``). Rotation replaces
the digest in one UPDATE, so the old token stops working the moment the new one exists.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update

from voucher_engine.clock import Clock, RandomSource
from voucher_engine.errors import NotFound, Unauthorized, ValidationError
from voucher_engine.identity.opaque import digest, new_token
from voucher_engine.identity.results import DistributorIdentity, DistributorInfo
from voucher_engine.storage.database import Database
from voucher_engine.storage.identity_tables import distributors
from voucher_engine.storage.tables import tenants

_PREFIX = "dt_"


class Distributors:
    def __init__(self, db: Database, clock: Clock, random: RandomSource) -> None:
        self._db = db
        self._clock = clock
        self._random = random

    def create_distributor(self, tenant_id: str, distributor_id: str, name: str = "") -> str:
        """Register a distributor; returns its bearer token (shown once)."""
        if not (0 < len(distributor_id) <= 64):
            raise ValidationError("a distributor id is 1 to 64 characters")
        token = new_token(self._random, _PREFIX)
        now = self._clock.now()
        with self._db.write() as conn:
            if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is None:
                raise NotFound(f"no tenant {tenant_id!r}")
            conn.execute(
                insert(distributors),
                {
                    "tenant_id": tenant_id,
                    "id": distributor_id,
                    "name": name or distributor_id,
                    "token_digest": digest(token),
                    "token_rotated_at": now,
                    "created_at": now,
                },
            )
        return token

    def rotate_distributor_token(self, tenant_id: str, distributor_id: str) -> str:
        token = new_token(self._random, _PREFIX)
        with self._db.write() as conn:
            changed = conn.execute(
                update(distributors)
                .where(distributors.c.tenant_id == tenant_id, distributors.c.id == distributor_id)
                .values(token_digest=digest(token), token_rotated_at=self._clock.now())
            ).rowcount
        if changed != 1:
            raise NotFound(f"no distributor {distributor_id!r}")
        return token

    def list_distributors(self, tenant_id: str) -> list[DistributorInfo]:
        with self._db.read() as conn:
            rows = conn.execute(
                select(distributors.c.id, distributors.c.name, distributors.c.token_rotated_at,
                       distributors.c.created_at)
                .where(distributors.c.tenant_id == tenant_id)
                .order_by(distributors.c.id)
            ).all()
        return [DistributorInfo(tenant_id, r.id, r.name, r.token_rotated_at, r.created_at) for r in rows]

    def authenticate_distributor(
        self, token: str, *, tenant_id: str | None = None
    ) -> DistributorIdentity:
        """Who holds this bearer token; ``Unauthorized`` if nobody (or another tenant)."""
        if not isinstance(token, str) or not token.startswith(_PREFIX):
            raise Unauthorized("invalid token", reason="malformed")
        with self._db.read() as conn:
            row = conn.execute(
                select(distributors.c.tenant_id, distributors.c.id).where(
                    distributors.c.token_digest == digest(token)
                )
            ).first()
        if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
            raise Unauthorized("invalid token", reason="unknown")
        return DistributorIdentity(row.tenant_id, row.id)
