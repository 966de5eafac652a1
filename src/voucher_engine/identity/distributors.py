"""Distributors: bearer tokens bound to one distributor id of one tenant.

A token is 256 random bits, stored as its SHA-256 digest (see ``opaque``). Rotation replaces
the digest in one UPDATE, so the old token stops working the moment the new one exists.

``claimed_distributor`` serves a hot path (promo issuance) without a round trip of its own: it
remembers which tenant and distributor a digest belonged to, and the command it authorises
checks that the digest is still the distributor's inside its own transaction, in the same
statement as its first read. A rotation in any process therefore stops the old token at the
next request, with no cache to invalidate: the cache says only whom to ask, never whether.
"""

from __future__ import annotations

import threading
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
#: Digests remembered by ``claimed_distributor``: a bound on memory, not on correctness.
_REMEMBERED = 10_000


def checked_distributor_token(token: str) -> str:
    return checked_given(token, _PREFIX)


class Distributors:
    def __init__(self, store: Store, random: RandomSource, attempts: FailedAttempts) -> None:
        self._attempts = attempts
        self._store = store
        self._random = random
        self._known: dict[str, tuple[str, str]] = {}  # digest -> (tenant, distributor)
        self._known_lock = threading.Lock()

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
        rows = self._store.read(
            lambda conn: conn.execute(
                select(
                    distributors.c.id, distributors.c.name, distributors.c.token_rotated_at, distributors.c.created_at
                )
                .where(distributors.c.tenant_id == tenant_id)
                .order_by(distributors.c.id)
            ).all()
        )
        return [DistributorInfo(tenant_id, r.id, r.name, r.token_rotated_at, r.created_at) for r in rows]

    def authenticate_distributor(self, token: str, *, tenant_id: str | None = None) -> DistributorIdentity:
        """Who holds this bearer token; ``Unauthorized`` if nobody (or another tenant)."""
        with self._attempts.limited():
            return self._authenticate(token, tenant_id)

    def _authenticate(self, token: str, tenant_id: str | None) -> DistributorIdentity:
        if not isinstance(token, str) or not token.startswith(_PREFIX):
            raise Unauthorized("invalid token", reason="malformed")
        row = self._store.read_one(
            lambda conn: conn.execute(
                select(distributors.c.tenant_id, distributors.c.id).where(distributors.c.token_digest == digest(token))
            ).first()
        )
        if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
            raise Unauthorized("invalid token", reason="unknown")
        return DistributorIdentity(row.tenant_id, row.id)

    def claimed_distributor(self, token: str) -> DistributorIdentity:
        """Whom this token names, for a command that verifies it itself: from memory when the
        digest was seen before (no round trip), else ``authenticate_distributor``. The result
        carries ``token_digest``; it is not proof until the command's transaction has found
        that digest current (see the module docstring)."""
        if not isinstance(token, str) or not token.startswith(_PREFIX):
            raise Unauthorized("invalid token", reason="malformed")
        token_digest = digest(token)
        known = self._known.get(token_digest)
        if known is None:
            found = self.authenticate_distributor(token)
            known = (found.tenant_id, found.distributor_id)
            with self._known_lock:
                if len(self._known) >= _REMEMBERED:
                    self._known.pop(next(iter(self._known)))
                self._known[token_digest] = known
        return DistributorIdentity(known[0], known[1], token_digest)

    def forget(self, token_digest: str) -> None:
        """Drop a remembered digest (a command found it no longer current)."""
        with self._known_lock:
            self._known.pop(token_digest, None)
