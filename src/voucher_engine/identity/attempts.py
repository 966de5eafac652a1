"""Failed authentications, limited per client address and per target identity.

Every guess at a password or a secret is one failed authentication. They are counted in the
database (table ``auth_failures``), so every server process shares one count, and within a
window (``AttemptLimits.window``, from the first failure): once a key has ``per_address`` or
``per_identity`` failures, attempts on it are refused with ``TooManyAttempts`` (429,
``Retry-After`` = the seconds left in the window) *before* the credentials are checked, so a
right guess is refused too and a refusal says nothing about the credentials.

Two ways of counting, by what a failed attempt names:

- An attempt that names its target (a client id, a staff email, a partner) is refused while
  the identity or the client address is at its limit (one read); when its credentials turn
  out wrong, the failure is counted on both in one conditional upsert per key, so concurrent
  failures are never lost. Right credentials write nothing and are never refused because
  other requests are in flight: sixteen parallel token requests of one client all succeed.
  The price is that a burst of parallel wrong guesses started below the limit is checked in
  full (at most the limit plus the requests already in flight), never more after it.
- An attempt that names nobody (a distributor token, an API key, a refresh token, one of our
  signed tokens) is 256 random bits or a signature: nothing to guess. Valid ones cost nothing
  here; a failure counts against the client address, and answers 429 instead of 401 while the
  address is over its limit.

The client address is the request's (``client_address``, set by the HTTP adapter around each
request); a host calling ``Identity`` directly without one gets the identity limits only.
Keys are ``kind:sha256(value)``: the table holds no addresses or emails. Ended windows are
pruned a few rows at a time by the writes that record failures.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from voucher_engine.clock import Clock
from voucher_engine.errors import TooManyAttempts, Unauthorized
from voucher_engine.identity.config import AttemptLimits
from voucher_engine.identity.store import PLATFORM, Store
from voucher_engine.storage.identity_tables import auth_failures

if TYPE_CHECKING:
    from voucher_engine.engine.base import Tx

ADDRESS = "address"
CLIENT = "client"
STAFF = "staff"
PARTNER = "partner"
#: Ended windows deleted per recorded failure: bounded work, and the table stays small.
PRUNE_BATCH = 100


_address: ContextVar[str | None] = ContextVar("voucher_engine_client_address", default=None)


@contextmanager
def client_address(address: str | None) -> Iterator[None]:
    """Authentications in this block come from ``address`` (the HTTP adapter sets it around
    each request; worker threads of the request inherit it)."""
    token = _address.set(address)
    try:
        yield
    finally:
        _address.reset(token)


def current_client_address() -> str | None:
    return _address.get()


def key_of(kind: str, value: str) -> str:
    # surrogatepass: a lone surrogate from a JSON body is a value like any other here.
    return f"{kind}:{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()}"


class FailedAttempts:
    def __init__(self, store: Store, clock: Clock, limits: AttemptLimits | None) -> None:
        self._store = store
        self._clock = clock
        self._limits = limits

    @contextmanager
    def limited(self, kind: str | None = None, value: str | None = None) -> Iterator[None]:
        """Count the ``Unauthorized`` raised in this block as a failed authentication of the
        current client address, and of the identity ``kind``/``value`` when given."""
        limits = self._limits
        if limits is None:
            yield
            return
        keys = self._keys(limits, kind, value)
        if not keys:
            yield
            return
        if kind is None:
            try:
                yield
            except Unauthorized:
                self._refuse_if_over(keys)
                self._record(keys)
                raise
            return
        self._refuse_if_over(keys)  # a read: an attacker over the limit writes nothing
        try:
            yield
        except Unauthorized:
            self._record(keys)
            raise

    def clear(self, kind: str, value: str) -> None:
        """Forget the failures of one identity or address (an operator lifting a lock-out)."""
        key = key_of(kind, value)
        self._store.write(
            PLATFORM,
            "clear_auth_failures",
            lambda tx: tx.conn.execute(delete(auth_failures).where(auth_failures.c.key == key)),
            {"kind": kind},
        )

    # --- internals ----------------------------------------------------------------------------

    @staticmethod
    def _keys(limits: AttemptLimits, kind: str | None, value: str | None) -> dict[str, int]:
        """key -> its limit, in a stable order (rows are locked in this order)."""
        keys: dict[str, int] = {}
        address = _address.get()
        if address:
            keys[key_of(ADDRESS, address)] = limits.per_address
        if kind is not None and value is not None:
            keys[key_of(kind, value)] = limits.per_identity
        return dict(sorted(keys.items()))

    def _window(self) -> timedelta:
        assert self._limits is not None
        return self._limits.window

    def _refuse_if_over(self, keys: dict[str, int]) -> None:
        now = self._clock.now()
        cutoff = now - self._window()
        rows = self._store.read(
            lambda conn: conn.execute(
                select(auth_failures.c.key, auth_failures.c.window_start, auth_failures.c.failures).where(
                    auth_failures.c.key.in_(list(keys)), auth_failures.c.window_start > cutoff
                )
            ).all()
        )
        self._refuse(keys, [(r.key, r.window_start, r.failures) for r in rows], now)

    def _refuse(self, keys: dict[str, int], rows: list[tuple[str, datetime, int]], now: datetime) -> None:
        """``TooManyAttempts`` when a key's count has reached its limit."""
        over = [start for key, start, failures in rows if failures >= keys[key]]
        if over:
            left = (max(over) + self._window() - now).total_seconds()
            raise TooManyAttempts(retry_after=max(1, math.ceil(left)))

    def _record(self, keys: dict[str, int]) -> None:
        def record(tx: Tx) -> None:
            for key in keys:
                _count_one_more(tx, key, self._window())
            _prune(tx.conn, tx.now - self._window())

        self._store.write(PLATFORM, "record_auth_failure", record)


def _count_one_more(tx: Tx, key: str, window: timedelta) -> tuple[str, datetime, int]:
    """One more failure of ``key``, in one conditional statement: a window that has ended
    starts again at 1. Never read-then-write: concurrent failures must all be counted."""
    insert = pg_insert if tx.conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(auth_failures).values(key=key, window_start=tx.now, failures=1)
    ended = auth_failures.c.window_start <= tx.now - window
    row = tx.conn.execute(
        statement.on_conflict_do_update(
            index_elements=[auth_failures.c.key],
            set_={
                "failures": case((ended, 1), else_=auth_failures.c.failures + 1),
                "window_start": case((ended, statement.excluded.window_start), else_=auth_failures.c.window_start),
            },
        ).returning(auth_failures.c.key, auth_failures.c.window_start, auth_failures.c.failures)
    ).one()
    return row.key, row.window_start, row.failures


def _prune(conn: Connection, cutoff: datetime) -> None:
    """Delete a few ended windows; rows another transaction holds are skipped (PostgreSQL),
    so pruning never waits on, or deadlocks with, a concurrent count."""
    ended = (
        select(auth_failures.c.key)
        .where(auth_failures.c.window_start <= cutoff)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    conn.execute(delete(auth_failures).where(auth_failures.c.key.in_(ended)))
