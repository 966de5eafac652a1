"""Distributors: bearer tokens bound to one distributor id of one tenant.

A token is 256 random bits, stored as its SHA-256 digest (see ``opaque``). Rotation replaces
the digest in one UPDATE, so the old token stops working the moment the new one exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from voucher_engine.clock import RandomSource
from voucher_engine.errors import NotFound, Unauthorized, ValidationError
from voucher_engine.identity.attempts import FailedAttempts
from voucher_engine.identity.opaque import checked_given, digest, new_token
from voucher_engine.identity.results import DistributorIdentity, DistributorInfo
from voucher_engine.identity.store import Store, require_tenant
from voucher_engine.storage.identity_tables import distributors

if TYPE_CHECKING:
    from voucher_engine.engine.base import Tx

_PREFIX = "dt_"


def checked_distributor_token(token: str) -> str:
    return checked_given(token, _PREFIX)


class Distributors:
    def __init__(self, store: Store, random: RandomSource, attempts: FailedAttempts) -> None:
        self._attempts = attempts
        self._store = store
        self._random = random

    def create_distributor(
        self, tenant_id: str, distributor_id: str, name: str = "", *, token: str | None = None
    ) -> str:
        """Register a distributor; returns its bearer token (shown once). ``token`` is one the
        operator agreed beforehand (``checked_distributor_token``) instead of a generated one."""
        if not (0 < len(distributor_id) <= 64):
            raise ValidationError("a distributor id is 1 to 64 characters")
        token = checked_distributor_token(token) if token is not None else new_token(self._random, _PREFIX)

        def create(tx: Tx) -> None:
            require_tenant(tx.conn, tenant_id)
            tx.conn.execute(
                insert(distributors),
                {
                    "tenant_id": tenant_id,
                    "id": distributor_id,
                    "name": name or distributor_id,
                    "token_digest": digest(token),
                    "token_rotated_at": tx.now,
                    "created_at": tx.now,
                },
            )

        self._store.write(tenant_id, "create_distributor", create, {"distributor_id": distributor_id})
        return token

    def rotate_distributor_token(self, tenant_id: str, distributor_id: str) -> str:
        token = new_token(self._random, _PREFIX)

        def rotate(tx: Tx) -> None:
            changed = tx.conn.execute(
                update(distributors)
                .where(distributors.c.tenant_id == tenant_id, distributors.c.id == distributor_id)
                .values(token_digest=digest(token), token_rotated_at=tx.now)
            ).rowcount
            if changed != 1:
                raise NotFound(f"no distributor {distributor_id!r}")

        self._store.write(tenant_id, "rotate_distributor_token", rotate, {"distributor_id": distributor_id})
        return token

    def list_distributors(self, tenant_id: str) -> list[DistributorInfo]:
        rows = self._store.read(lambda conn: conn.execute(
            select(distributors.c.id, distributors.c.name, distributors.c.token_rotated_at,
                   distributors.c.created_at)
            .where(distributors.c.tenant_id == tenant_id)
            .order_by(distributors.c.id)
        ).all())
        return [DistributorInfo(tenant_id, r.id, r.name, r.token_rotated_at, r.created_at) for r in rows]

    def authenticate_distributor(
        self, token: str, *, tenant_id: str | None = None
    ) -> DistributorIdentity:
        """Who holds this bearer token; ``Unauthorized`` if nobody (or another tenant)."""
        with self._attempts.limited():
            return self._authenticate(token, tenant_id)

    def _authenticate(self, token: str, tenant_id: str | None) -> DistributorIdentity:
        if not isinstance(token, str) or not token.startswith(_PREFIX):
            raise Unauthorized("invalid token", reason="malformed")
        row = self._store.read(lambda conn: conn.execute(
            select(distributors.c.tenant_id, distributors.c.id).where(
                distributors.c.token_digest == digest(token)
            )
        ).first())
        if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
            raise Unauthorized("invalid token", reason="unknown")
        return DistributorIdentity(row.tenant_id, row.id)
