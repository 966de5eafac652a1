"""Every error of the JTL API, decided in one place: ``{"status", "code", "message"}`` with a
dotted code, and for a 422 ``errors: [{code, property, rule, message}]``, one per failing field.

Pure (strings in, a status, a body and headers out), so ``errors.render_error`` only unpacks a
``Failure``. Messages are fixed sentences: nothing internal reaches a terminal, and an unknown
code and a wrong PIN read exactly alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    code: str
    message: str
    property: str | None = None  # an engine refusal about one field: that field
    rule: str | None = None


VOUCHER_NOT_FOUND = Answer(404, "VOUCHER.NOT_FOUND", "No voucher matches this code and PIN.")

#: By the engine's (or this plugin's) error ``code``.
BY_ERROR: dict[str, Answer] = {
    # A wrong or missing PIN is told exactly as an unknown code: the answer never says
    # whether the code exists.
    "voucher_not_found": VOUCHER_NOT_FOUND,
    "invalid_pin": VOUCHER_NOT_FOUND,
    # A code no voucher can have (spaces, non-ASCII) is simply not found either.
    "invalid_code_format": VOUCHER_NOT_FOUND,
    "hold_not_found": Answer(404, "RESERVATION.NOT_FOUND", "No such reservation."),
    "entry_not_found": Answer(404, "CHARGE.NOT_FOUND", "No such charge."),
    "charge_not_found": Answer(404, "CHARGE.NOT_FOUND", "No such charge."),
    "hold_expired": Answer(409, "RESERVATION.EXPIRED", "The reservation has expired."),
    "hold_not_pending": Answer(
        409, "RESERVATION.NOT_PENDING", "The reservation was already charged, cancelled, replaced or has expired."
    ),
    "insufficient_funds": Answer(409, "VOUCHER.INSUFFICIENT_BALANCE", "The voucher's balance is too low."),
    "voucher_expired": Answer(409, "VOUCHER.EXPIRED", "The voucher has expired."),
    "voucher_not_yet_valid": Answer(409, "VOUCHER.NOT_YET_VALID", "The voucher is not valid yet."),
    "illegal_transition": Answer(409, "VOUCHER.NOT_USABLE", "The voucher cannot be used in its current state."),
    "not_redeemable_here": Answer(409, "VOUCHER.NOT_USABLE", "The voucher cannot be used here."),
    "voucher_locked": Answer(409, "VOUCHER.LOCKED", "The voucher is locked."),
    "vetoed": Answer(409, "REQUEST.REFUSED", "The request was refused."),
    "currency_mismatch": Answer(
        422, "VOUCHER.CURRENCY_MISMATCH", "The currency does not match the voucher's.", "currency", "voucher_currency"
    ),
    "unknown_currency": Answer(422, "REQUEST.VALIDATION_FAILED", "The request is invalid.", "currency", "iso4217"),
    "invalid_amount": Answer(
        422, "REQUEST.VALIDATION_FAILED", "The request is invalid.", "amount", "currency_precision"
    ),
    "refund_exceeds_charge": Answer(
        422, "CHARGE.REFUND_EXCEEDS_REMAINING", "The refund is more than the charge has left.", "amount", "maximum"
    ),
    "idempotency_key_reused": Answer(
        422, "REQUEST.IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used for another request."
    ),
    "idempotency_key_in_use": Answer(
        409, "REQUEST.IN_PROGRESS", "A request with this Idempotency-Key is still running."
    ),
    "unauthorized": Answer(401, "AUTH.UNAUTHORIZED", "A valid access token is required."),
    "forbidden": Answer(403, "AUTH.FORBIDDEN", "The access token lacks the scope this operation needs."),
    "permission_denied": Answer(403, "AUTH.FORBIDDEN", "The access token lacks the scope this operation needs."),
}

#: By the failure's kind (``voucher_engine.plugin.FailureKind`` values), when no error code matched.
BY_KIND: dict[str, Answer] = {
    "malformed": Answer(400, "REQUEST.MALFORMED", "The request body is not valid JSON."),
    "invalid": Answer(422, "REQUEST.VALIDATION_FAILED", "The request is invalid."),
    "unauthorized": BY_ERROR["unauthorized"],
    "forbidden": BY_ERROR["forbidden"],
    "not_found": Answer(404, "RESOURCE.NOT_FOUND", "No such resource."),
    "method_not_allowed": Answer(405, "REQUEST.METHOD_NOT_ALLOWED", "This method is not allowed here."),
    "too_large": Answer(413, "REQUEST.TOO_LARGE", "The request body is too large."),
    "rate_limited": Answer(429, "REQUEST.RATE_LIMITED", "Too many requests; retry later."),
    "rejected": BY_ERROR["vetoed"],
    "conflict": Answer(409, "REQUEST.CONFLICT", "The request conflicted with another; retry it."),
    "unavailable": Answer(503, "SERVICE.UNAVAILABLE", "The service is unavailable; retry later."),
    "internal": Answer(500, "SERVER.ERROR", "Internal server error."),
}

#: The ``code`` of one entry of ``errors``, by its rule.
FIELD_CODES: dict[str, str] = {
    "required": "FIELD.REQUIRED",
    "type": "FIELD.TYPE",
    "pattern": "FIELD.PATTERN",
    "length": "FIELD.LENGTH",
    "min_length": "FIELD.TOO_SHORT",
    "max_length": "FIELD.TOO_LONG",
    "minimum": "FIELD.TOO_SMALL",
    "maximum": "FIELD.TOO_LARGE",
    "unknown": "FIELD.UNKNOWN",
    "enum": "FIELD.INVALID",
    "iso4217": "FIELD.UNKNOWN_CURRENCY",
    "currency_precision": "FIELD.PRECISION",
    "voucher_currency": "VOUCHER.CURRENCY_MISMATCH",
}


def field_code(rule: str) -> str:
    return FIELD_CODES.get(rule, "FIELD.INVALID")


def field_entry(prop: str, rule: str, message: str) -> dict[str, str]:
    # The decoder names the whole body "$" (a JSON array where an object belongs).
    prop = "body" if prop in ("", "$") else prop
    return {"code": field_code(rule), "property": prop, "rule": rule, "message": message}


def envelope(status: int, code: str, message: str, fields: Iterable[Mapping[str, str]] = ()) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    entries = list(fields)
    if status == 422:
        body["errors"] = entries
    return body


def answer(
    kind: str,
    error_code: str | None,
    message: str = "",
    fields: Iterable[tuple[str, str, str]] = (),
    *,
    retry_after: int | None = None,
    scope: str | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, headers) of a failure of ``kind`` raised as ``error_code`` (None when
    the adapter refused the request itself) with these failing ``fields``."""
    found = BY_ERROR.get(error_code) if error_code is not None else None
    if found is None:
        found = BY_KIND.get(kind, BY_KIND["internal"])
    entries = [field_entry(*f) for f in fields]
    if found.status == 422 and not entries and found.property is not None:
        # An engine refusal about one field: that field, with the engine's reason.
        entries = [field_entry(found.property, found.rule or "invalid", message)]
    headers: dict[str, str] = {}
    if found.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="jtl"'
    elif found.status == 403:
        headers["WWW-Authenticate"] = 'Bearer realm="jtl", error="insufficient_scope"' + (
            f', scope="{scope}"' if scope else ""
        )
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    elif found.status == 503:
        headers["Retry-After"] = "1"
    return found.status, envelope(found.status, found.code, found.message, entries), headers
