"""The server's HS256 signing keys: from configuration, or generated and shared through the
``signing_keys`` table so that every process on one database signs and verifies alike.

The newest non-retired key signs; every non-retired key verifies. Rotation adds a key, and
tokens signed with older keys keep verifying until those keys are retired. Each process
caches the ring for ``key_cache_ttl``; a token carrying an unknown ``kid`` triggers a lookup of
that one key, so a key created by another process is usable at once.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from voucher_engine.clock import Clock, IdSource, RandomSource
from voucher_engine.errors import NotFound, ValidationError
from voucher_engine.identity.store import PLATFORM, Store
from voucher_engine.storage.identity_tables import signing_keys

if TYPE_CHECKING:
    from voucher_engine.engine.base import Tx

MIN_KEY_BYTES = 32  # RFC 7518 3.2: an HS256 key is at least as long as the hash output

_active = (
    select(signing_keys.c.kid, signing_keys.c.secret)
    .where(signing_keys.c.retired_at.is_(None))
    .order_by(signing_keys.c.serial)
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def configured_kid(key: bytes) -> str:
    """A kid for a configured key: a digest prefix, stable across processes, revealing nothing."""
    return "cfg_" + hashlib.sha256(key).hexdigest()[:16]


class SigningKeys:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        ids: IdSource,
        random: RandomSource,
        configured: tuple[str, ...],
        cache_ttl: timedelta,
    ) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids
        self._random = random
        self._cache_ttl = cache_ttl
        self._lock = threading.Lock()
        self._ring: dict[str, bytes] = {}  # insertion order: oldest first, newest signs
        self._loaded_at: datetime | None = None
        self._configured = bool(configured)
        if configured:
            for text in configured:
                key = text.encode()
                if len(key) < MIN_KEY_BYTES:
                    raise ValidationError(f"a signing key is at least {MIN_KEY_BYTES} bytes")
                self._ring[configured_kid(key)] = key
            # The first configured key signs: keep it last in the ring.
            first = configured_kid(configured[0].encode())
            self._ring[first] = self._ring.pop(first)

    # --- use --------------------------------------------------------------------------------

    def signing(self) -> tuple[str, bytes]:
        ring = self._current_ring()
        kid = next(reversed(ring))
        return kid, ring[kid]

    def verifying(self, kid: str) -> bytes | None:
        key = self._current_ring().get(kid)
        if key is not None or self._configured:
            return key
        secret = self._store.read(
            lambda conn: conn.execute(
                select(signing_keys.c.secret).where(signing_keys.c.kid == kid, signing_keys.c.retired_at.is_(None))
            ).scalar_one_or_none()
        )
        if secret is None:
            return None
        self._invalidate()  # a key we did not know: the ring changed, re-read it next time
        return _unb64(secret)

    # --- administration ---------------------------------------------------------------------

    def rotate(self) -> str:
        """Add a new key that signs from now on (in other processes: within the cache TTL)."""
        self._require_database_mode()
        kid = self._insert_new_key()
        self._invalidate()
        return kid

    def retire(self, kid: str) -> None:
        """Stop accepting tokens signed with ``kid``. The signing key cannot be retired:
        rotate first."""
        self._require_database_mode()

        def retire(tx: Tx) -> None:
            active = list(tx.conn.execute(_active).scalars())
            if kid not in active:
                raise NotFound(f"no active signing key {kid!r}")
            if kid == active[-1]:
                raise ValidationError("the newest key signs; rotate before retiring it")
            tx.conn.execute(update(signing_keys).where(signing_keys.c.kid == kid).values(retired_at=tx.now))

        self._store.write(PLATFORM, "retire_signing_key", retire, {"kid": kid})
        self._invalidate()

    # --- the cache ----------------------------------------------------------------------------

    def _current_ring(self) -> dict[str, bytes]:
        if self._configured:
            return self._ring
        with self._lock:
            now = self._clock.now()
            stale = self._loaded_at is None or now - self._loaded_at >= self._cache_ttl
            if stale or not self._ring:
                self._ring = self._load()
                self._loaded_at = now
            return self._ring

    def _load(self) -> dict[str, bytes]:
        rows = self._store.read(lambda conn: conn.execute(_active).all())
        if not rows:
            self._insert_new_key()
            rows = self._store.read(lambda conn: conn.execute(_active).all())
        return {row.kid: _unb64(row.secret) for row in rows}

    def _insert_new_key(self) -> str:
        # Two processes starting on an empty table may both insert a key: harmless, both keys
        # verify and the newer one signs.
        kid = self._ids.new("key")
        secret = _b64(self._random.randbytes(MIN_KEY_BYTES))

        def insert_key(tx: Tx) -> None:
            tx.conn.execute(insert(signing_keys), {"kid": kid, "secret": secret, "created_at": tx.now})

        # The request names the kid only: the secret never reaches a veto hook.
        self._store.write(PLATFORM, "create_signing_key", insert_key, {"kid": kid})
        return kid

    def _invalidate(self) -> None:
        with self._lock:
            self._loaded_at = None

    def _require_database_mode(self) -> None:
        if self._configured:
            raise ValidationError("signing keys come from configuration; rotate them there")
