"""The core's own settings: the database, the server, webhooks, rate limits, logs.

Each group is a frozen dataclass whose fields are the keys of one table of the configuration
file (docs/configuration.md), read the same way as a provider's settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from voucher_engine.engine import DEFAULT_URL
from voucher_engine.identity.config import Argon2Params, AttemptLimits

_MOUNT = re.compile(r"[a-z][a-z0-9_]*=/\S*")


@dataclass(frozen=True, slots=True)
class GeneralSettings:
    """The top level of the file (no table)."""

    #: The database (SQLAlchemy URL); ``VOUCHER_ENGINE_URL`` as before.
    url: str = DEFAULT_URL
    #: ``json``: one JSON object per line (for log shippers); ``text``: plain lines.
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: The longest a write waits for row locks, over all its retries, before it answers
    #: Conflict (409): a server thread is never held longer.
    write_wait: timedelta = timedelta(seconds=5)

    def __post_init__(self) -> None:
        if self.write_wait <= timedelta(0):
            raise ValueError("write_wait: positive")


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """``[server]``: what ``voucher-engine serve`` listens on and runs."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: Server processes (uvicorn workers), each with its own app and engine.
    processes: int = 1
    #: Run a webhook and job worker thread in every server process.
    worker: bool = True
    #: ``"name=/prefix"`` moves a provider from ``/name``; a name may repeat.
    mounts: tuple[str, ...] = ()
    #: The largest request body accepted (None: the adapter's default, 1 MiB).
    max_body_bytes: int | None = None
    #: The bearer token a scraper sends for ``GET /metrics`` (None: /metrics answers nobody).
    metrics_token: str | None = None

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError("port: 1 to 65535")
        if self.processes < 1:
            raise ValueError("processes: at least 1")
        if self.max_body_bytes is not None and self.max_body_bytes < 1:
            raise ValueError("max_body_bytes: at least 1")
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise ValueError("metrics_token: at least 16 characters")
        for mount in self.mounts:
            if not _MOUNT.fullmatch(mount):
                raise ValueError(f"mounts: {mount!r} is not name=/prefix")


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """``[webhooks]``: delivery by the workers, and which URLs the admin API and the fixtures
    accept as endpoints (the same guard)."""

    #: Private networks webhooks may reach despite the SSRF guard (CIDRs).
    networks: tuple[str, ...] = ()
    request_timeout: timedelta = timedelta(seconds=10)
    #: How long a claimed delivery or job belongs to its worker.
    lease: timedelta = timedelta(seconds=60)
    batch_size: int = 50
    concurrency: int = 4
    poll_interval: timedelta = timedelta(seconds=1)
    #: The wait after a round that found some work and filled none of its batches.
    gather: timedelta = timedelta(milliseconds=50)
    job_max_attempts: int = 5

    def __post_init__(self) -> None:
        import ipaddress

        for network in self.networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"networks: {network!r} is not a network (CIDR)") from None
        if self.lease <= self.request_timeout:
            raise ValueError("lease: longer than request_timeout")
        if min(self.batch_size, self.concurrency, self.job_max_attempts) < 1:
            raise ValueError("batch_size, concurrency, job_max_attempts: at least 1")
        if not timedelta(0) <= self.gather <= self.poll_interval:
            raise ValueError("gather: from 0 to poll_interval")


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    """``[rate_limit]``: requests per client and process (0: no limit)."""

    per_second: float = 0.0
    burst: int = 0

    def __post_init__(self) -> None:
        if self.per_second < 0 or self.burst < 0:
            raise ValueError("per_second, burst: not negative")
        if (self.per_second > 0) != (self.burst > 0):
            raise ValueError("per_second and burst: both set, or both 0")


_ATTEMPT_LIMITS = AttemptLimits()


@dataclass(frozen=True, slots=True)
class AuthLimitSettings:
    """``[auth_limits]``: failed authentications allowed per ``window`` from one client address
    and against one identity, counted in the database so that every server process shares
    them (docs/identity.md, "Failed authentications")."""

    enabled: bool = True
    per_address: int = _ATTEMPT_LIMITS.per_address
    per_identity: int = _ATTEMPT_LIMITS.per_identity
    window: timedelta = _ATTEMPT_LIMITS.window

    def __post_init__(self) -> None:
        for key in ("per_address", "per_identity"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key}: at least 1")
        if self.window <= timedelta(0):
            raise ValueError("window: positive")

    def limits(self) -> AttemptLimits | None:
        return AttemptLimits(self.per_address, self.per_identity, self.window) if self.enabled else None


_ARGON2 = Argon2Params()


@dataclass(frozen=True, slots=True)
class Argon2Settings:
    """``[argon2]``: the argon2id cost of the password and client-secret hashes the identity
    services make (RFC 9106's second recommendation by default). Leave it in production; a
    test suite lowers it, since it checks behaviour, not cost. A stored hash carries its own
    parameters, so hashes made at any cost verify everywhere."""

    time_cost: int = _ARGON2.time_cost
    memory_cost_kib: int = _ARGON2.memory_cost_kib
    parallelism: int = _ARGON2.parallelism

    def __post_init__(self) -> None:
        for key in ("time_cost", "parallelism"):
            if getattr(self, key) < 1:
                raise ValueError(f"{key}: at least 1")
        # argon2 itself refuses less than 8 KiB per lane.
        if self.memory_cost_kib < 8 * self.parallelism:
            raise ValueError("memory_cost_kib: at least 8 x parallelism")

    def params(self) -> Argon2Params:
        return Argon2Params(self.time_cost, self.memory_cost_kib, self.parallelism)
