"""``render_error`` for every operation but the token endpoint (``oauth.render_error``), and
the refusals this plugin raises itself, as classes beside the engine's."""

from __future__ import annotations

from voucher_engine.plugin import Failure, FailureKind, Reply, errors
from voucher_engine_jtl.codes import answer


class ChargeNotFound(errors.NotFound):
    """A charge id that names no charge of the caller's tenant (or names another entry)."""

    code = "charge_not_found"


class RefundExceedsCharge(errors.ValidationError):
    """More refunded than the charge has left (the engine's guard said so)."""

    code = "refund_exceeds_charge"


def render_error(failure: Failure) -> Reply:
    error = failure.error
    details = getattr(error, "details", {}) or {}
    # An internal message may name tables or values: keep it in the log, not the response.
    message = "" if failure.kind is FailureKind.INTERNAL else failure.message
    status, body, headers = answer(
        failure.kind.value,
        error.code if error is not None else None,
        message,
        [(f.field, f.rule, f.message) for f in failure.fields],
        retry_after=failure.retry_after,
        scope=details.get("scope"),
    )
    return Reply(body=body, status=status, headers=headers)
