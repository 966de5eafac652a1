"""Every error of the Voucher Request API: ``{"message": ...}`` with the partner's statuses.

The partner documents 400, 401, 405, 409 and 500. The other kinds answer with the plain HTTP
status a client expects for them; retryable trouble (a lock held too long, the same
Idempotency-Key still being processed, the database away) is a 503 with ``Retry-After``,
because the partner's retry policy is "back off and retry on 5xx" and the retry will succeed.
Messages are fixed strings: nothing internal (or about which check failed) reaches a terminal.
"""

from __future__ import annotations

from voucher_engine.plugin import Failure, FailureKind, Reply, retry_headers

ANSWERS: dict[FailureKind, tuple[int, str]] = {
    FailureKind.MALFORMED: (400, "invalid request"),
    FailureKind.INVALID: (400, "invalid request"),
    FailureKind.UNAUTHORIZED: (401, "unauthorized"),
    # A valid token used for something it may not do is still "unauthorized" to this API.
    FailureKind.FORBIDDEN: (401, "unauthorized"),
    FailureKind.NOT_FOUND: (404, "not found"),
    FailureKind.METHOD_NOT_ALLOWED: (405, "method not allowed"),
    FailureKind.TOO_LARGE: (413, "request too large"),
    FailureKind.RATE_LIMITED: (429, "too many requests"),
    # No campaign matched, every matching pool is empty or capped, or a plugin vetoed it.
    FailureKind.REJECTED: (409, "voucher unavailable"),
    FailureKind.CONFLICT: (503, "service unavailable"),
    FailureKind.UNAVAILABLE: (503, "service unavailable"),
    FailureKind.INTERNAL: (500, "internal server error"),
}


def render_error(failure: Failure) -> Reply:
    status, message = ANSWERS[failure.kind]
    headers = retry_headers(failure)
    if status == 503 and not headers:
        headers = {"Retry-After": "1"}
    return Reply(body={"message": message}, status=status, headers=headers)
