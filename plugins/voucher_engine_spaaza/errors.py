"""Every error of this provider in Spaaza's envelope, with a stable name:

    {"result": {"code": 2, "status": "error"},
     "error": {"code": 6, "name": "no_valid_session", "description": "..."}}

Clients switch on ``error.name``. Where Spaaza's public docs name an error (6
``no_valid_session``, 68 ``permission_denied_or_non_existent``, 269 ``no_myprice_app``) its
number and name are kept; the others are this provider's own, numbered from 1000 so they cannot
be mistaken for Spaaza's. Statuses are HTTP's plain ones (Spaaza documents 500 for error 68;
a refusal is not a server fault, so it is a 403 here). See docs/providers/spaaza.md.
"""

from __future__ import annotations

from typing import Any, ClassVar

from voucher_engine.plugin import Failure, FailureKind, Reply, errors, retry_headers

#: name -> (number, HTTP status, description when the error carries none of its own)
CATALOGUE: dict[str, tuple[int, int, str]] = {
    "no_valid_session": (6, 401, "The user needs to be logged in and a valid session key needs to be sent"),
    "permission_denied_or_non_existent": (
        68,
        403,
        "This user has insufficient permissions for this object or the object does not exist",
    ),
    "no_myprice_app": (269, 400, "Myprice app is required"),
    "malformed_request": (1000, 400, "The request body could not be read"),
    "invalid_parameter": (1001, 400, "A parameter is missing, unknown or of the wrong type"),
    "too_many_vouchers": (1002, 400, "A call claims 1 to 10 vouchers"),
    "invalid_voucher_lock_period": (1003, 400, "voucher_lock_period is 120 to 3600 seconds"),
    "user_not_found": (1004, 404, "No user matches the given identifiers"),
    "user_identifiers_disagree": (1005, 400, "The given user identifiers belong to different users"),
    "voucher_not_found": (1006, 404, "No such voucher in this chain"),
    "voucher_claimed_by_another_user": (1007, 409, "The voucher is claimed by another user"),
    "voucher_locked": (1008, 409, "The voucher is locked"),
    "voucher_not_claimable": (1009, 409, "The voucher can no longer be claimed or locked"),
    "voucher_not_locked": (1010, 409, "The voucher is not locked"),
    "login_failed": (1011, 401, "Unknown username or wrong password"),
    "idempotency_key_reused": (1012, 422, "This Idempotency-Key was used for another request"),
    "request_in_progress": (1013, 409, "A request with this Idempotency-Key is still running; retry"),
    "not_found": (1014, 404, "No such call"),
    "method_not_allowed": (1015, 405, "This call does not accept this request method"),
    "request_too_large": (1016, 413, "The request body is too large"),
    "rate_limited": (1017, 429, "Too many requests; retry later"),
    "service_unavailable": (1018, 503, "The service is busy; retry"),
    "internal_error": (1019, 500, "Internal error"),
}


class SpaazaError(errors.VoucherEngineError):
    """An error this provider raises itself; ``code`` is its name in ``CATALOGUE``."""

    code: ClassVar[str] = "invalid_parameter"

    def __init__(self, message: str = "", **details: object) -> None:
        super().__init__(message or CATALOGUE[self.code][2], **details)


class NoValidSession(SpaazaError, errors.Unauthorized):
    code = "no_valid_session"


class LoginFailed(SpaazaError, errors.Unauthorized):
    code = "login_failed"


class PermissionDenied(SpaazaError, errors.Forbidden):
    code = "permission_denied_or_non_existent"


class NoMyPriceApp(SpaazaError, errors.Unauthorized):
    code = "no_myprice_app"


class InvalidParameter(SpaazaError, errors.ValidationError):
    code = "invalid_parameter"


class TooManyVouchers(SpaazaError, errors.ValidationError):
    code = "too_many_vouchers"


class InvalidLockPeriod(SpaazaError, errors.ValidationError):
    code = "invalid_voucher_lock_period"


class UserNotFound(SpaazaError, errors.NotFound):
    code = "user_not_found"


class UserIdentifiersDisagree(SpaazaError, errors.ValidationError):
    code = "user_identifiers_disagree"


class VoucherNotFound(SpaazaError, errors.NotFound):
    code = "voucher_not_found"


class VoucherClaimedByAnotherUser(SpaazaError, errors.Rejected):
    code = "voucher_claimed_by_another_user"


class VoucherLocked(SpaazaError, errors.Rejected):
    code = "voucher_locked"


class VoucherNotClaimable(SpaazaError, errors.Rejected):
    code = "voucher_not_claimable"


class VoucherNotLocked(SpaazaError, errors.Rejected):
    code = "voucher_not_locked"


_REFUSALS: dict[str, type[SpaazaError]] = {
    cls.code: cls
    for cls in (
        VoucherNotFound,
        VoucherClaimedByAnotherUser,
        VoucherLocked,
        VoucherNotClaimable,
        VoucherNotLocked,
        InvalidLockPeriod,
    )
}


def refusal(error: errors.VoucherEngineError, which: str) -> errors.VoucherEngineError:
    """The engine's refusal of one voucher as this provider's error, saying which voucher it
    was; anything else (a retryable conflict, an idempotency error) unchanged."""
    name = ENGINE_CODES.get(error.code)
    if name is None and isinstance(error, errors.NotFound):
        name = "voucher_not_found"
    if name not in _REFUSALS or error.retryable:
        return error
    return _REFUSALS[name](f"{which}: {error.message}")


#: The engine's own error codes, as this provider names them.
ENGINE_CODES: dict[str, str] = {
    "voucher_not_found": "voucher_not_found",
    "voucher_held_by_another": "voucher_claimed_by_another_user",
    "voucher_locked": "voucher_locked",
    "not_locked": "voucher_not_locked",
    "illegal_transition": "voucher_not_claimable",
    "voucher_expired": "voucher_not_claimable",
    "voucher_not_yet_valid": "voucher_not_claimable",
    "lock_period_out_of_range": "invalid_voucher_lock_period",
    "idempotency_key_reused": "idempotency_key_reused",
    "idempotency_key_in_use": "request_in_progress",
}

#: What the rest of the failures are called, by kind.
BY_KIND: dict[FailureKind, str] = {
    FailureKind.MALFORMED: "malformed_request",
    FailureKind.INVALID: "invalid_parameter",
    FailureKind.UNAUTHORIZED: "no_valid_session",
    FailureKind.FORBIDDEN: "permission_denied_or_non_existent",
    FailureKind.NOT_FOUND: "not_found",
    FailureKind.METHOD_NOT_ALLOWED: "method_not_allowed",
    FailureKind.TOO_LARGE: "request_too_large",
    FailureKind.RATE_LIMITED: "rate_limited",
    FailureKind.REJECTED: "voucher_not_claimable",
    FailureKind.CONFLICT: "service_unavailable",
    FailureKind.UNAVAILABLE: "service_unavailable",
    FailureKind.INTERNAL: "internal_error",
}


def error_name(failure: Failure) -> str:
    error = failure.error
    if isinstance(error, SpaazaError):
        return error.code
    if error is not None and error.code in ENGINE_CODES:
        return ENGINE_CODES[error.code]
    return BY_KIND[failure.kind]


def describe(failure: Failure, name: str) -> str:
    """Our own errors say what was wrong in words written for the client; a decoder's field
    errors say which field and why; anything else gets the catalogue's fixed text, so nothing
    internal (a table, a value from another tenant) reaches a client."""
    if isinstance(failure.error, SpaazaError):
        return failure.error.message
    if failure.fields:
        return "; ".join(f"{f.field}: {f.message}" for f in failure.fields)
    if failure.kind is FailureKind.INVALID and failure.error is None:
        return failure.message  # the decoder's own words: which field, which rule
    return CATALOGUE[name][2]


def error_body(name: str, description: str) -> dict[str, Any]:
    number = CATALOGUE[name][0]
    return {
        "result": {"code": 2, "status": "error"},
        "error": {"code": number, "name": name, "description": description},
    }


def render_error(failure: Failure) -> Reply:
    name = error_name(failure)
    status = CATALOGUE[name][1]
    headers = retry_headers(failure)
    if status == 503 and not headers:
        headers = {"Retry-After": "1"}
    return Reply(body=error_body(name, describe(failure, name)), status=status, headers=headers)
