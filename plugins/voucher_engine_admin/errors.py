"""Every error of the admin API: ``{"code": ..., "message": ...}``.

``code`` is the engine's stable error code (``pool_not_found``, ``invalid_amount`` ...) or the
failure kind (``malformed``, ``invalid``, ``unauthorized`` ...), with ``fields`` (which field
broke which rule) when that is known. Statuses: malformed body 400, invalid input 422, 401,
403, 404, 405, 409 (conflict, or a business rule said no), 413, 429, 503, 500. The token
endpoint answers in RFC 6749's shape instead (``oauth``).
"""

from __future__ import annotations

from voucher_engine.plugin import DEFAULT_STATUS, Failure, FailureKind, Reply, retry_headers


def render_error(failure: Failure) -> Reply:
    # An internal message may name tables or values: keep it in the log, not the response.
    message = "internal error" if failure.kind is FailureKind.INTERNAL else failure.message
    body: dict[str, object] = {"code": failure.code, "message": message}
    if failure.fields:
        body["fields"] = [{"field": f.field, "rule": f.rule, "message": f.message} for f in failure.fields]
    return Reply(
        body=body,
        status=DEFAULT_STATUS[failure.kind],
        headers=retry_headers(failure),
    )


def malformed(message: str) -> Reply:
    """For bodies a handler decodes itself (raw uploads): the same reply as the adapter's."""
    return render_error(Failure(FailureKind.MALFORMED, message))


def invalid(message: str) -> Reply:
    return render_error(Failure(FailureKind.INVALID, message))
