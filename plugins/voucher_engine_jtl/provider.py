"""The provider: JTL's voucher reservation API (seed 001), mounted at "/" as a drop-in."""

from __future__ import annotations

from voucher_engine.plugin import Operation, Provider, RateLimit
from voucher_engine_jtl import charges, oauth, reservations
from voucher_engine_jtl.access import READ, USE, bearer
from voucher_engine_jtl.errors import render_error
from voucher_engine_jtl.wire import (
    ChargeIn,
    ChargeOut,
    ErrorOut,
    RefundIn,
    RefundOut,
    ReservationIn,
    ReservationOut,
    ReservationStatusOut,
)

TOKEN_PATH = "/oauth/token"
RESERVATIONS = "/v1/reservations"
RESERVATION = "/v1/reservations/{reservation_id:str}"
CHARGE = "/v1/charges/{charge_id:str}"
#: The documented bodies are a few short strings.
SMALL = 8 * 1024

OPERATIONS = (
    Operation(
        "token",
        "POST",
        TOKEN_PATH,
        oauth.token,
        body_encoding="raw",
        max_body_bytes=4096,
        response=oauth.TokenOut,
        render_error=oauth.render_error,
        error_type=oauth.OAuthErrorOut,
        # Client secrets are guessed here if anywhere; tokens last minutes, so a shop needs few.
        rate_limit=RateLimit(60, 60),
        summary="OAuth 2 client credentials: an access token (RFC 6749 4.4)",
        description="Form-encoded grant_type=client_credentials, client_id and client_secret (or HTTP Basic), "
        "an optional space-separated scope (a subset of the client's) and an optional client_type "
        "(at most 32 characters, statistics only). Errors follow RFC 6749 5.2.",
    ),
    Operation(
        "createReservation",
        "POST",
        RESERVATIONS,
        reservations.reserve,
        body=ReservationIn,
        response=ReservationOut,
        auth=bearer(USE),
        max_body_bytes=SMALL,
        summary="Set the reservation for a specific voucher",
        description="Holds the amount on the voucher found by code (and PIN) until valid_until (30 minutes by "
        "default), or until a new reservation for the same voucher replaces it. Scope: use.",
    ),
    Operation(
        "getReservation",
        "GET",
        RESERVATION,
        reservations.get_reservation,
        response=ReservationStatusOut,
        auth=bearer(READ),
        summary="One reservation and its status (pending, charged, cancelled, expired). Scope: read.",
    ),
    Operation(
        "chargeReservation",
        "POST",
        RESERVATION + "/charge",
        reservations.charge,
        body=ChargeIn,
        response=ChargeOut,
        auth=bearer(USE),
        max_body_bytes=SMALL,
        summary="Charge a reservation: spend its whole amount for an order. Scope: use.",
    ),
    Operation(
        "cancelReservation",
        "DELETE",
        RESERVATION,
        reservations.cancel,
        status=204,
        auth=bearer(USE),
        summary="Cancel a reservation: its amount is available again. Scope: use.",
    ),
    Operation(
        "getCharge",
        "GET",
        CHARGE,
        charges.get_charge,
        response=ChargeOut,
        auth=bearer(READ),
        summary="One charge. Scope: read.",
    ),
    Operation(
        "refundCharge",
        "POST",
        CHARGE + "/refund",
        charges.refund,
        body=RefundIn,
        response=RefundOut,
        auth=bearer(USE),
        max_body_bytes=SMALL,
        summary="Refund all or part of a charge (at least 0.01, at most what it has left). Scope: use.",
    ),
)

PROVIDER = Provider(
    name="jtl",
    title="JTL Voucher Cloud API",
    description="JTL's voucher reservations: OAuth 2 client credentials, reserve an amount of a voucher, charge "
    "or cancel the reservation, refund charges. Mount it at / for JTL clients. "
    "See docs/providers/jtl.md.",
    operations=OPERATIONS,
    render_error=render_error,
    error_type=ErrorOut,
)
