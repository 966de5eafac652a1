"""A per-client rate limit: one token bucket per client address, in this process's memory.

A client is its address, never a credential it sends: a credential is the caller's to choose,
so a bucket per credential would give every guessed password or secret a fresh bucket.
Clients behind one NAT share a bucket; size the limit for that. The buckets live in one
process: with N server processes a client gets up to N times the rate. Failed
authentications have their own limit, shared by every process through the database
(``voucher_engine.identity.attempts``); this one is for load.

The limit is a Litestar guard, so the ``TooManyRequestsException`` it raises is rendered by
the exception handlers of the route it guards: a partner's own error shape under a provider's
prefix, ``{"code": ..., "message": ...}`` elsewhere.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.handlers import BaseRouteHandler


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``per_second`` requests on average, up to ``burst`` at once, per client.

    ``clock`` is a monotonic clock in seconds; tests drive a fake one instead of sleeping.
    ``max_clients`` bounds memory: beyond it the least recently seen client's bucket is
    forgotten (that client starts again with a full bucket).
    """

    per_second: float
    burst: int
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    max_clients: int = 100_000

    def __post_init__(self) -> None:
        if not self.per_second > 0:
            raise ValueError("per_second must be positive")
        if self.burst < 1:
            raise ValueError("burst must be at least 1")
        if self.max_clients < 1:
            raise ValueError("max_clients must be at least 1")


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """The buckets of one app. ``take(key)`` is None when allowed, else the seconds to wait."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        # The guard runs on the event loop, but one limiter may serve apps on several threads.
        self._lock = threading.Lock()

    def take(self, key: str) -> int | None:
        limit = self.limit
        now = limit.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(limit.burst), now)
                if len(self._buckets) > limit.max_clients:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
                bucket.tokens = min(float(limit.burst), bucket.tokens + (now - bucket.updated) * limit.per_second)
                bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            # Whole seconds, rounded up: a client that waits this long finds a token.
            return max(1, math.ceil((1 - bucket.tokens) / limit.per_second))


def client_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The identity a bucket belongs to: the client's address."""
    client = connection.client
    return "ip:" + (client.host if client else "unknown")


class RateLimitGuard:
    """A Litestar guard answering 429 with ``Retry-After`` once a client's bucket is empty."""

    def __init__(self, limit: RateLimit) -> None:
        self.buckets = TokenBuckets(limit)

    def __deepcopy__(self, memo: dict[int, Any]) -> RateLimitGuard:
        # Litestar deep-copies a router when it is registered; the buckets must stay one
        # shared state however many copies of the routes exist.
        return self

    async def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        wait = self.buckets.take(client_key(connection))
        if wait is not None:
            raise TooManyRequestsException("too many requests; slow down", headers={"Retry-After": str(wait)})
