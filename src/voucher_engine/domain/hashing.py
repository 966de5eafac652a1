"""Hashes for PINs and other short secrets, checked in constant time.

The salt comes from the caller (the engine's injected random source), so this stays pure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_N, _R, _P = 2**14, 8, 1


def hash_secret(secret: str, salt: bytes) -> str:
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)

    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode()

    return f"scrypt${_N}${_R}${_P}${b64(salt)}${b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


def fingerprint(value: str) -> str:
    """A stable digest for values that must be compared inside SQL (locking codes)."""
    return hashlib.sha256(value.encode()).hexdigest()
