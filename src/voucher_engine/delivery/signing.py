"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

``webhook-signature`` is ``v1,`` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), where
the key is the base64 part of the ``whsec_`` secret, decoded. Several signatures are separated
by spaces: during a secret rotation both the new and the old secret sign.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from voucher_engine.clock import RandomSource
from voucher_engine.errors import ValidationError

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64


def new_secret(random: RandomSource) -> str:
    return SECRET_PREFIX + base64.b64encode(random.randbytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValidationError("a webhook secret starts with 'whsec_'")
    key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    if not key:
        raise ValidationError("a webhook secret is not empty")
    return key


def checked_secret(secret: str) -> str:
    """A secret agreed with a receiver beforehand: ``whsec_`` and 24 to 64 bytes in base64."""
    try:
        key = secret_key(secret) if isinstance(secret, str) else b""
    except ValueError:  # binascii.Error: not base64
        raise ValidationError("a webhook secret is 'whsec_' and base64") from None
    if not 24 <= len(key) <= 64:
        raise ValidationError("a webhook secret holds 24 to 64 bytes")
    return secret


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets),
    }
