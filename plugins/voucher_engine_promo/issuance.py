"""``POST /api/v1/voucher/request``: one promotional code per purchase."""

from __future__ import annotations

from datetime import UTC, datetime

from voucher_engine.identity import DistributorIdentity, Identity
from voucher_engine.plugin import Call, errors
from voucher_engine_promo.wire import VoucherRequest, VoucherResponse

#: Idempotency keys are scoped per distributor: two distributors' terminals may well pick the
#: same key (a receipt number) without ever seeing each other's codes.
SCOPE_PREFIX = "promo:"


def iso_utc(instant: datetime | None) -> str:
    """``2026-03-31T23:59:59Z``, the partner's format (whole seconds, UTC); "" for none."""
    if instant is None:
        return ""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuance_attributes(request: VoucherRequest) -> dict[str, str]:
    """What the issue records besides the category and distributor the engine adds itself:
    the terminal for audit trails and the product for "which products drive claims"."""
    attributes = {"terminal": request.terminal_id}
    if request.trigger_product_id is not None:
        attributes["product"] = request.trigger_product_id
    return attributes


def request_voucher(call: Call) -> VoucherResponse:
    caller: DistributorIdentity = call.principal
    request: VoucherRequest = call.body
    if request.distributor_id != caller.distributor_id:
        # The partner's rule: a token used with another distributor's id is unauthorized.
        raise errors.Unauthorized("the token belongs to another distributor", reason="distributor_mismatch")
    try:
        issued = call.engine.issue_for_trigger(
            caller.tenant_id,
            category=request.trigger_category_id,
            distributor=caller.distributor_id,
            attributes=issuance_attributes(request),
            idempotency_key=call.idempotency_key,
            scope=SCOPE_PREFIX + caller.distributor_id,
            token_digest=caller.token_digest,
        )
    except errors.Unauthorized:
        if caller.token_digest is not None:  # rotated since it was remembered: ask next time
            call.engine.shared(Identity).distributors.forget(caller.token_digest)
        raise
    return VoucherResponse(
        campaign_id=issued.campaign_id,
        voucher_code=issued.code,
        expiry_date=iso_utc(issued.expires_at),
        issued_at=iso_utc(issued.issued_at),
    )
