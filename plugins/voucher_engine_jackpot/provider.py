"""The provider: Jackpot's reservation-session API (seed 000), at the seed's /v2 paths."""

from __future__ import annotations

from voucher_engine.plugin import Operation, Provider
from voucher_engine_jackpot import catalog, reservation, vouchers
from voucher_engine_jackpot.auth import PARTNER_JWT, SESSION_TOKEN
from voucher_engine_jackpot.errors import render_error
from voucher_engine_jackpot.token import open_session
from voucher_engine_jackpot.webhooks import shape
from voucher_engine_jackpot.wire import (
    AmountQuery,
    ErrorOut,
    OfferDetailsOut,
    ProposalOut,
    ReadyUrlOut,
    ReserveByPrice,
    ReserveByValue,
    SessionOut,
    StoreOut,
    TokenRequest,
    VoucherOut,
)

STORE = "/v2/stores/{storeId:str}"
OFFER = STORE + "/offers/{offerId:str}"
VOUCHER = "/v2/vouchers/{voucherId:str}"
SMALL = 8 * 1024  # every request body is a JWT or one amount
SEED_TOKEN_PATH = "/V2/token"

PROVIDER = Provider(
    name="jackpot",
    title="Jackpot API",
    description=(
        "Voucher reservation sessions: sign a JWT with the session amount, exchange it once for a "
        "session token, browse stores and offers, reserve one voucher within the session amount; "
        "then confirm it and follow it to READY by webhook. See docs/providers/jackpot.md."
    ),
    render_error=render_error,
    error_type=ErrorOut,
    webhooks=shape,
    operations=(
        Operation(
            "openSession",
            "POST",
            "/v2/token",
            open_session,
            body=TokenRequest,
            response=SessionOut,
            status=201,
            summary="Exchange a partner-signed JWT (once) for a session token",
            max_body_bytes=SMALL,
        ),
        # The seed spells this one path "POST /V2/token": a partner client copying it must work.
        Operation(
            "openSessionAsSeedSpellsIt",
            "POST",
            SEED_TOKEN_PATH,
            open_session,
            body=TokenRequest,
            response=SessionOut,
            status=201,
            max_body_bytes=SMALL,
            summary="The same as POST /v2/token, at the path as the seed writes it",
        ),
        Operation(
            "listStores",
            "GET",
            "/v2/stores",
            catalog.list_stores,
            response=list[StoreOut],
            auth=SESSION_TOKEN,
            summary="Stores and their offers in the session currency",
        ),
        Operation(
            "proposalsByAmount",
            "GET",
            "/v2/stores/proposed-vouchers",
            catalog.proposals_by_amount,
            query=AmountQuery,
            response=list[ProposalOut],
            auth=SESSION_TOKEN,
            summary="For one amount, the best voucher of each store",
        ),
        Operation(
            "proposalsOfStore",
            "GET",
            STORE + "/proposed-vouchers",
            catalog.proposals_of_store,
            query=AmountQuery,
            response=list[ProposalOut],
            auth=SESSION_TOKEN,
            summary="The voucher values of one store within the amount",
        ),
        Operation(
            "getOffer",
            "GET",
            OFFER,
            catalog.get_offer,
            response=OfferDetailsOut,
            auth=SESSION_TOKEN,
            summary="One offer and what the session can reserve of it",
        ),
        Operation(
            "reserveByPrice",
            "POST",
            OFFER + "/reserve-voucher-by-price",
            reservation.reserve_by_price,
            body=ReserveByPrice,
            response=VoucherOut,
            status=201,
            auth=SESSION_TOKEN,
            max_body_bytes=SMALL,
            summary="Reserve the voucher whose price is this amount; ends the session",
        ),
        Operation(
            "reserveByValue",
            "POST",
            OFFER + "/reserve-voucher-by-value",
            reservation.reserve_by_value,
            body=ReserveByValue,
            response=VoucherOut,
            status=201,
            auth=SESSION_TOKEN,
            max_body_bytes=SMALL,
            summary="Reserve the voucher of this value; ends the session",
        ),
        Operation(
            "getVoucher",
            "GET",
            VOUCHER,
            vouchers.get_voucher,
            response=VoucherOut,
            auth=PARTNER_JWT,
            summary="A voucher's state",
        ),
        Operation(
            "confirmVoucher",
            "POST",
            VOUCHER + "/confirm",
            vouchers.confirm,
            response=VoucherOut,
            auth=PARTNER_JWT,
            summary="Confirm a RESERVED voucher; fulfilment makes it READY",
        ),
        Operation(
            "cancelVoucher",
            "POST",
            VOUCHER + "/cancel",
            vouchers.cancel,
            response=VoucherOut,
            auth=PARTNER_JWT,
            summary="Cancel a RESERVED voucher; its session amount is released",
        ),
        Operation(
            "readyUrl",
            "GET",
            VOUCHER + "/ready-url",
            vouchers.ready_url,
            response=ReadyUrlOut,
            auth=PARTNER_JWT,
            summary="A READY voucher's URL",
        ),
        Operation(
            "attachment",
            "GET",
            VOUCHER + "/attachment",
            vouchers.attachment,
            auth=PARTNER_JWT,
            summary="A READY voucher as a PDF (code, value, store, expiry, QR code)",
        ),
        Operation(
            "requestRefund",
            "POST",
            VOUCHER + "/refund-request",
            vouchers.request_refund,
            response=VoucherOut,
            auth=PARTNER_JWT,
            summary="Ask for the refund of a READY voucher",
        ),
    ),
)
