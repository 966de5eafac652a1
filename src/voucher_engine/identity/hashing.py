"""argon2id hashes for passwords and client secrets, salted from the injected random source."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import hash_secret

from voucher_engine.clock import RandomSource
from voucher_engine.identity.config import Argon2Params

_SALT_BYTES = 16
_HASH_BYTES = 32
#: A secret longer than this is refused before hashing: argon2 cost must not be caller-driven.
MAX_SECRET_LENGTH = 1024


class SecretHasher:
    def __init__(self, params: Argon2Params, random: RandomSource) -> None:
        self._params = params
        self._random = random
        self._checker = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism,
            hash_len=_HASH_BYTES,
            salt_len=_SALT_BYTES,
            type=Type.ID,
        )
        # Verified against when there is no stored hash, so that an unknown user costs the
        # same argon2 work as a known one and response times do not reveal which emails exist.
        self._decoy = self.hash("decoy password, never matches")

    def hash(self, secret: str) -> str:
        return hash_secret(
            secret.encode(),
            self._random.randbytes(_SALT_BYTES),
            time_cost=self._params.time_cost,
            memory_cost=self._params.memory_cost_kib,
            parallelism=self._params.parallelism,
            hash_len=_HASH_BYTES,
            type=Type.ID,
        ).decode()

    def verify(self, stored: str | None, secret: str) -> bool:
        """True when ``secret`` matches ``stored``; ``None`` spends a verify and answers False."""
        if len(secret) > MAX_SECRET_LENGTH:
            secret = ""  # still spend the same work below
        try:
            matched = self._checker.verify(stored or self._decoy, secret)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and stored is not None

    def needs_rehash(self, stored: str) -> bool:
        return self._checker.check_needs_rehash(stored)
