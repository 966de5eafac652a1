"""Settings of the identity services; every one has a safe default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Argon2Params:
    """argon2id cost. The default is RFC 9106's second recommendation (64 MiB, 3 passes), as
    in argon2-cffi. Stored hashes carry their own parameters, so raising the cost later only
    affects new hashes (and passwords are re-hashed on the next successful login)."""

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 4


@dataclass(frozen=True, slots=True)
class AttemptLimits:
    """Failed authentications allowed per ``window``: from one client address, and against
    one identity (a client id, a staff email, a partner) from anywhere."""

    per_address: int = 30
    per_identity: int = 10
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.per_address < 1 or self.per_identity < 1:
            raise ValueError("attempt limits are at least 1")
        if self.window <= timedelta(0):
            raise ValueError("the window of the attempt limits must be positive")


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    #: ``iss`` of every token we sign, and the only one we accept.
    issuer: str = "voucher-engine"
    #: ``aud`` of every token we sign, and the only one we accept.
    audience: str = "voucher-engine"
    #: HS256 signing keys from configuration (at least 32 bytes each, RFC 7518 3.2): the first
    #: signs, all verify. Empty: keys are generated and kept in the ``signing_keys`` table.
    signing_keys: tuple[str, ...] = ()
    #: How long a process trusts its cached key ring before re-reading the table; bounds how
    #: late another process notices a rotation or retirement.
    key_cache_ttl: timedelta = timedelta(seconds=60)
    access_ttl: timedelta = timedelta(minutes=15)
    staff_access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=30)
    session_ttl: timedelta = timedelta(hours=1)
    #: Clock skew tolerated between processes for exp and iat.
    leeway: timedelta = timedelta(seconds=30)
    #: A partner JWT may not live longer than this (exp - iat), so used jti rows can be pruned.
    partner_max_lifetime: timedelta = timedelta(hours=24)
    argon2: Argon2Params = field(default_factory=Argon2Params)
    #: The permissions a staff role implies, added to a grant's own (``"*"``: all of them).
    #: Roles not named here imply none: their grants carry their permissions explicitly.
    role_permissions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: The longest access-token lifetime a login may ask for (``login(..., access_ttl=)``).
    max_staff_access_ttl: timedelta = timedelta(days=7)
    #: Failed authentications allowed per client address and per identity, shared by every
    #: process through the database (``identity.attempts``); None turns the limits off.
    attempt_limits: AttemptLimits | None = field(default_factory=AttemptLimits)
