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
    key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    if not key:
        raise ValidationError("a webhook secret is not empty")
    return key


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
