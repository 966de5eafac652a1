"""The provider: the Voucher Request API of the promotional issuance partner (seed 004)."""

from __future__ import annotations

from voucher_engine.plugin import Operation, Provider
from voucher_engine_promo.auth import DISTRIBUTOR_TOKEN
from voucher_engine_promo.errors import render_error
from voucher_engine_promo.issuance import request_voucher
from voucher_engine_promo.wire import ErrorOut, VoucherRequest, VoucherResponse

VOUCHER_PATH = "/api/v1/voucher/request"

PROVIDER = Provider(
    name="promo",
    title="Voucher Request API",
    description=(
        "Issues one promotional voucher code per reported purchase: the purchase category picks "
        "the campaign whose distributor whitelist holds the caller. See docs/providers/promo.md."
    ),
    render_error=render_error,
    error_type=ErrorOut,
    operations=(
        Operation(
            "requestVoucher",
            "POST",
            VOUCHER_PATH,
            request_voucher,
            body=VoucherRequest,
            response=VoucherResponse,
            auth=DISTRIBUTOR_TOKEN,
            summary="Issue one promotional voucher for a purchase",
            description=(
                "Campaigns that are active, answer trigger_category_id and whitelist the "
                "distributor are tried by priority (highest first), then earliest end, then id; "
                "the first with a code left answers. 409 when none does. An Idempotency-Key "
                "header makes a retry return the same code."
            ),
            # The documented body is four short strings; anything near this is not a POS.
            max_body_bytes=8 * 1024,
        ),
    ),
)
