"""Opaque bearer tokens: 256 random bits, stored only as a SHA-256 digest.

Why SHA-256 and not argon2: key stretching exists to slow down guessing of low-entropy
secrets (passwords). Guessing a 256-bit random token is infeasible at any hash speed, so a
fast, unsalted digest loses nothing, and being deterministic it can be looked up by index.
"""

from __future__ import annotations

import base64
import hashlib

from voucher_engine.clock import RandomSource

TOKEN_BYTES = 32


def new_token(random: RandomSource, prefix: str = "") -> str:
    raw = random.randbytes(TOKEN_BYTES)
    return prefix + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: A secret an operator supplies instead of a generated one (a fixture file's ``*_env``
#: variable): at least as long as the 43 characters of a generated 256-bit token.
MIN_GIVEN_LENGTH = 43
MAX_GIVEN_LENGTH = 1024


def checked_given(secret: str, prefix: str = "") -> str:
    """``secret`` if it is strong enough to stand in for a generated token, else ValidationError."""
    from voucher_engine.errors import ValidationError

    if not isinstance(secret, str) or not secret.startswith(prefix):
        raise ValidationError(f"a given secret starts with {prefix!r}" if prefix else "a given secret is a string")
    if not (MIN_GIVEN_LENGTH <= len(secret) - len(prefix) <= MAX_GIVEN_LENGTH) or not secret.isprintable():
        raise ValidationError(
            f"a given secret is {MIN_GIVEN_LENGTH} to {MAX_GIVEN_LENGTH} printable characters"
            + (f" after {prefix!r}" if prefix else "")
        )
    return secret
