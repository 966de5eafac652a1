"""The seed's error table, and which of its codes each kind of failure gets.

Pure data and functions (no part of the provider model), so the table is one place: the
error renderer (``errors.py``) and the docs read it. The seed documents 1000-1018 with their
HTTP statuses; it has no row for a rate limit, a server-side failure or a retryable conflict,
so those keep the seed's envelope with the nearest code and an honest status (429, 500, 503).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: code -> (HTTP status, message), exactly as the seed's table.
ERRORS: dict[int, tuple[int, str]] = {
    1000: (422, "Incorrect request"),
    1001: (401, "Unauthorized - API key is incorrect"),
    1002: (405, "Method not allowed"),
    1003: (403, "Access denied for resource"),
    1004: (404, "Requested resource has been not found"),
    1006: (401, "JWT token has expired"),
    1007: (401, "JWT token is not yet valid"),
    1008: (401, "JWT token is malformed"),
    1009: (401, "JWT token is invalid"),
    1010: (404, "Voucher with given code has been not found on specified domain"),
    1011: (422, "We cannot realize reduction on this voucher"),
    1012: (
        422,
        "Expired - If you would like to redeem it regardless, please set redeemDate to match the redeem window",
    ),
    1013: (422, "Voucher has been fully redeemed (Completed)"),
    1014: (422, "Voucher has been cancelled"),
    1015: (422, "Coupon not exist"),
    1016: (422, "Generation for that status is not allowed"),
    1017: (422, "Generation not exist"),
    1018: (422, "Required parameter missing"),
}

#: Failure kinds (``FailureKind`` values) -> code, when no more precise code applies.
BY_KIND: dict[str, int] = {
    "malformed": 1000,
    "invalid": 1000,
    "too_large": 1000,
    "unauthorized": 1001,
    "forbidden": 1003,
    "rate_limited": 1003,
    "not_found": 1004,
    "method_not_allowed": 1002,
    "rejected": 1011,
    "conflict": 1011,
    "unavailable": 1011,
    "internal": 1000,
}

#: Statuses that are not the code's own: the seed has no row for these kinds.
STATUS_BY_KIND: dict[str, tuple[int, str]] = {
    "rate_limited": (429, "Too many requests - please retry later"),
    "conflict": (503, "Temporarily unavailable - please retry"),
    "unavailable": (503, "Temporarily unavailable - please retry"),
    "internal": (500, "Internal error"),
}

#: Engine and provider error codes (``VoucherEngineError.code``) -> the seed's code.
BY_ERROR_CODE: dict[str, int] = {
    # the provider's own errors (errors.py)
    "vouchercart_missing_parameter": 1018,
    "vouchercart_jwt_expired": 1006,
    "vouchercart_jwt_not_yet_valid": 1007,
    "vouchercart_jwt_malformed": 1008,
    "vouchercart_jwt_invalid": 1009,
    "vouchercart_voucher_not_found": 1010,
    "vouchercart_fully_redeemed": 1013,
    "vouchercart_cancelled": 1014,
    "vouchercart_expired": 1012,
    "vouchercart_irreducible": 1011,
    # the engine's, where a handler let them through
    "voucher_not_found": 1010,
    "not_redeemable_here": 1010,
    "voucher_expired": 1012,
    "invalid_redemption_time": 1012,
    "nothing_to_redeem": 1013,
    "insufficient_funds": 1011,
    "voucher_not_yet_valid": 1011,
    "voucher_locked": 1011,
    "invalid_pin": 1011,
    "illegal_transition": 1011,
}

#: Why identity refused a JWT (``Unauthorized.details["reason"]``) -> the seed's JWT code.
#: Anything else about a JWT (signature, unknown key, another kind of token, a revoked family,
#: another audience or issuer) is 1009, "invalid".
JWT_REASONS: dict[str, int] = {
    "expired": 1006,
    "ExpiredSignatureError": 1006,
    "not_yet_valid": 1007,
    "issued_in_future": 1007,
    "ImmatureSignatureError": 1007,
    "malformed": 1008,
    "DecodeError": 1008,
    "no_kid": 1008,
    "claims": 1008,
    "MissingRequiredClaimError": 1008,
    "iat_not_numeric": 1008,
    "exp_not_numeric": 1008,
    "nbf_not_numeric": 1008,
}


def jwt_code(reason: object) -> int:
    return JWT_REASONS.get(reason, 1009) if isinstance(reason, str) else 1009


def answer(kind: str, error_code: str | None) -> tuple[int, int, str]:
    """(HTTP status, seed code, message) for a failure of ``kind`` caused by ``error_code``."""
    code = BY_ERROR_CODE.get(error_code or "", BY_KIND[kind])
    if kind in STATUS_BY_KIND and (error_code or "") not in BY_ERROR_CODE:
        status, message = STATUS_BY_KIND[kind]
        return status, code, message
    status, message = ERRORS[code]
    return status, code, message


def field_errors(fields: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """``{field: [message, ...]}`` from (field, message) pairs, in their order."""
    grouped: dict[str, list[str]] = {}
    for name, message in fields:
        grouped.setdefault(name or "request", []).append(message)
    return grouped


def envelope(code: int, message: str, errors: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """The seed's error body: ``{"code", "errors", "message", "status": "failed"}``."""
    return {"code": code, "errors": dict(errors or {}), "message": message, "status": "failed"}
