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
