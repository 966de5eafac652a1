"""The provider: Spaaza's claim-vouchers (seed 003) and the lock calls around it, at Spaaza's
own paths, so a Spaaza client works unchanged against ``create_app(engine, mounts={"spaaza": "/"})``."""

from __future__ import annotations

from voucher_engine.plugin import BodyEncoding, Operation, Provider, RateLimit
from voucher_engine_spaaza.auth import EITHER
from voucher_engine_spaaza.claims import claim_vouchers
from voucher_engine_spaaza.errors import render_error
from voucher_engine_spaaza.locks import lock_voucher, unlock_voucher
from voucher_engine_spaaza.login import login
from voucher_engine_spaaza.wire import (
    ClaimResponse,
    ClaimVouchersRequest,
    ErrorResponse,
    LockForm,
    LockResponse,
    LoginForm,
    LoginResponse,
    UnlockForm,
    VoucherResponse,
)

FORMS: tuple[BodyEncoding, ...] = ("form", "multipart")
#: Ten voucher references and a user: a few kilobytes at most.
SMALL = 16 * 1024
#: Every status an authenticated call may answer besides 200 (docs/providers/spaaza.md).
ERRORS = dict.fromkeys((400, 401, 403, 404, 409, 413, 422, 429, 503), ErrorResponse)
UNLOCK = "Unlock a voucher (administrative: no locking code needed); its basket binding goes too"

PROVIDER = Provider(
    name="spaaza",
    title="Spaaza API",
    description=(
        "Spaaza's claim-vouchers, lock-voucher and unlock-voucher calls, with admin (session) or "
        "privileged (application token + app hostname) authentication and Spaaza's result "
        "envelopes. See docs/providers/spaaza.md."
    ),
    render_error=render_error,
    error_type=ErrorResponse,
    operations=(
        Operation(
            "login",
            "POST",
            "/auth/login",
            login,
            body=LoginForm,
            body_encoding=FORMS,
            response=LoginResponse,
            responses={400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse},
            rate_limit=RateLimit(requests=10, per_seconds=60),
            max_body_bytes=4 * 1024,
            summary="Log a staff user in: the session for admin authentication",
        ),
        Operation(
            "claimVouchers",
            "POST",
            "/claim-vouchers",
            claim_vouchers,
            body=ClaimVouchersRequest,
            response=ClaimResponse,
            responses=ERRORS,
            auth=EITHER,
            max_body_bytes=SMALL,
            summary="Claim 1 to 10 vouchers for a user, optionally locking them; all or nothing",
            description=(
                "The user is found by any of user_id, username, member_number, "
                "authentication_point_identifier, auxiliary_identifier, referral_code (all given "
                "must agree); each voucher by voucher_key, voucher_id or voucher_third_party_id. "
                "With `locking`, each voucher is also locked for voucher_lock_period seconds "
                "(120..3600, 300 by default), bound to retailer_basket_code or "
                "voucher_locking_code when given. Either every voucher is claimed (and locked) "
                "or none is, and the error says which voucher failed."
            ),
        ),
        Operation(
            "lockVoucher",
            "PUT",
            "/lock-voucher",
            lock_voucher,
            body=LockForm,
            body_encoding=FORMS,
            response=LockResponse,
            responses=ERRORS,
            auth=EITHER,
            max_body_bytes=SMALL,
            summary="Lock a voucher for 120..3600 s, optionally bound to a basket or locking code",
        ),
        Operation(
            "unlockVoucher",
            "PUT",
            "/unlock-voucher",
            unlock_voucher,
            body=UnlockForm,
            body_encoding=FORMS,
            response=VoucherResponse,
            responses=ERRORS,
            auth=EITHER,
            max_body_bytes=SMALL,
            summary=UNLOCK,
        ),
        Operation(
            "unlockVoucherPost",
            "POST",
            "/unlock-voucher",
            unlock_voucher,
            body=UnlockForm,
            body_encoding=FORMS,
            response=VoucherResponse,
            responses=ERRORS,
            auth=EITHER,
            max_body_bytes=SMALL,
            summary=UNLOCK,
        ),
    ),
)
