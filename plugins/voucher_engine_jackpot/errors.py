"""Every error of the Jackpot API: ``{"code": ..., "message": ...}`` with a stable ``code``.

Statuses: a body that is not JSON 400; input that parses but is wrong (a missing field, an
amount an offer does not have, more than the session holds) 422; a missing, forged, expired,
replayed or already used token 401; another partner's (or an unknown) voucher, store or offer
404; a voucher in the wrong state 409; 413, 429, 503 with ``Retry-After``; 500 for anything
unexpected, without internals.
"""

from __future__ import annotations

from voucher_engine.plugin import DEFAULT_STATUS, Failure, FailureKind, Reply, errors, retry_headers

STATUS: dict[FailureKind, int] = {**DEFAULT_STATUS, FailureKind.INVALID: 422}

#: Codes whose status differs from their kind's: the same code always has the same status.
BY_CODE: dict[str, int] = {
    "session_ended": 401,  # also when a parallel reservation on the session won the race
    "session_expired": 401,
    "session_amount_exceeded": 422,
    "invalid_amount": 422,
    "currency_mismatch": 422,
}


class SessionUsed(errors.Unauthorized):
    code = "session_ended"


class SessionTimedOut(errors.Unauthorized):
    code = "session_expired"


class TokenReplayed(errors.Unauthorized):
    code = "token_already_used"


class VoucherNotReserved(errors.IllegalTransition):
    code = "voucher_not_reserved"


class VoucherNotReady(errors.IllegalTransition):
    code = "voucher_not_ready"


class ReservationExpired(errors.IllegalTransition):
    code = "reservation_expired"


class OfferUnavailable(errors.Rejected):
    code = "offer_unavailable"


class NoReadyUrl(errors.Rejected):
    code = "ready_url_unavailable"


class UnknownVoucher(errors.NotFound):
    code = "voucher_not_found"


def render_error(failure: Failure) -> Reply:
    # An internal message may name tables or values: keep it in the log, not the response.
    message = "internal error" if failure.kind is FailureKind.INTERNAL else failure.message
    status = BY_CODE.get(failure.code, STATUS[failure.kind])
    return Reply(body={"code": failure.code, "message": message}, status=status, headers=retry_headers(failure))
