"""Checks of the time claims against the injected clock.

PyJWT compares ``exp``/``iat``/``nbf`` with the system time, which tests cannot move; so those
checks are switched off in PyJWT (``REQUIRED`` still makes the claims mandatory) and done here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt

from voucher_engine.errors import Unauthorized

if TYPE_CHECKING:
    from jwt.types import Options  # PyJWT >= 2.10; a type only

#: What PyJWT checks for us (signature, presence of claims, aud, iss); time is ours.
PYJWT_OPTIONS_NO_TIME: Options = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_iat": False,
    "verify_nbf": False,
}


def unverified_header(token: str) -> dict[str, Any]:
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise Unauthorized("invalid token", reason="malformed") from error


#: 9999-12-31T23:59:59Z: the last instant a ``datetime`` holds. A time claim beyond it (or
#: before 1970) is no time at all.
MAX_TIMESTAMP = 253_402_300_799


def _number(payload: dict[str, Any], claim: str) -> float:
    """A time claim as a finite number of seconds. JSON parsers (PyJWT's too) read ``NaN``,
    ``Infinity`` and ``1e999``, against which every comparison is false or which no datetime
    holds: such a claim is no number, so the token is refused (under the same reason as a
    string, which callers already map)."""
    value = payload[claim]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthorized("invalid token", reason=f"{claim}_not_numeric")
    if not 0 <= value <= MAX_TIMESTAMP:  # false for NaN too
        raise Unauthorized("invalid token", reason=f"{claim}_not_numeric")
    return float(value)


def check_times(payload: dict[str, Any], now: datetime, leeway: timedelta, *, allow_expired: bool = False) -> None:
    """Refuse a token that has expired, was issued in the future, or is not yet valid, or
    whose time claims are not finite numbers of seconds within ``datetime``'s range."""
    at = now.timestamp()
    slack = leeway.total_seconds()
    if _number(payload, "iat") > at + slack:
        raise Unauthorized("invalid token", reason="issued_in_future")
    if "nbf" in payload and _number(payload, "nbf") > at + slack:
        raise Unauthorized("invalid token", reason="not_yet_valid")
    expires = _number(payload, "exp")
    if not allow_expired and expires <= at - slack:
        raise Unauthorized("token expired", reason="expired")
