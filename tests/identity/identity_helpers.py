"""Helpers shared by the identity tests: a cheap-argon2 ``Identity`` and JWT surgery."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt

from voucher_engine.identity import Argon2Params, Identity, IdentityConfig

#: The cheapest argon2id argon2-cffi accepts: the tests check behaviour, not cost.
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1)


def make_identity(engine, **config: Any) -> Identity:
    return Identity(engine, IdentityConfig(argon2=CHEAP_ARGON2, **config))


def b64(data: bytes | dict) -> str:
    if isinstance(data, dict):
        data = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def parts(token: str) -> tuple[dict, dict, str]:
    _header, _payload, signature = token.split(".")
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False}), signature


def sign(payload: dict, key: bytes | str, *, kid: str | None, algorithm: str = "HS256") -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)
