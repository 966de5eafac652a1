"""The provider: VoucherCart's staff redemption API (seed 002), at the seed's /v1 paths.

Mount it at "/" for clients written against api.vouchercart.com (beside JTL, which also
lives under /v1): ``create_app(engine, mounts={"vouchercart": "/"})``.
"""

from __future__ import annotations

from voucher_engine.plugin import Operation, Provider, RateLimit
from voucher_engine_vouchercart import redemption, session, users
from voucher_engine_vouchercart.access import BASIC, BEARER
from voucher_engine_vouchercart.errors import render_error
from voucher_engine_vouchercart.wire import (
    AuthorizeForm,
    AuthorizeOut,
    DomainsOut,
    ErrorOut,
    PasswordChange,
    RedeemForm,
    RefreshForm,
    RefreshOut,
    StatusQuery,
    UserCreate,
    UserCreated,
    UserDomainsQuery,
    UserOut,
    UserUpdate,
    VoucherOut,
)

SMALL = 8 * 1024  # every form is a few short fields or two tokens
USER = "/v1/users/{userId:str}"

#: user-domains tells who works where: its own, tight limit per client (credential or IP).
USER_DOMAINS_LIMIT = RateLimit(requests=5, per_seconds=60)

ERRORS_401 = {401: ErrorOut}
ERRORS_AUTH = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
ERRORS_VOUCHER = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

PROVIDER = Provider(
    name="vouchercart",
    title="VoucherCart API",
    description=(
        "Staff redemption for sales pages: log in with Basic credentials to a domain for a JWT and "
        "a rotating refresh token, look vouchers up and redeem them (completely, by units, or at "
        "a stated date), and manage staff users with per-domain permissions. Errors: "
        '{"code", "errors", "message", "status": "failed"}. See docs/providers/vouchercart.md.'
    ),
    render_error=render_error,
    error_type=ErrorOut,
    operations=(
        Operation(
            "authorize",
            "POST",
            "/v1/authorize",
            session.authorize,
            body=AuthorizeForm,
            body_encoding="form",
            response=AuthorizeOut,
            auth=BASIC,
            max_body_bytes=SMALL,
            responses={**ERRORS_401, 422: ErrorOut},
            summary="Log a staff member in to one domain: a JWT (1 day) and a refresh token",
        ),
        Operation(
            "userDomains",
            "GET",
            "/v1/user-domains",
            session.user_domains,
            query=UserDomainsQuery,
            response=DomainsOut,
            rate_limit=USER_DOMAINS_LIMIT,
            responses={422: ErrorOut, 429: ErrorOut},
            summary="The domains a staff member's email may log in to",
        ),
        Operation(
            "refresh",
            "PUT",
            "/v1/refresh",
            session.refresh,
            body=RefreshForm,
            body_encoding="form",
            response=RefreshOut,
            max_body_bytes=SMALL,
            responses={**ERRORS_401, 422: ErrorOut},
            summary="Rotate the access and refresh tokens; a refresh token works once",
        ),
        Operation(
            "listDomains",
            "GET",
            "/v1/domains",
            redemption.list_domains_of_tenant,
            response=DomainsOut,
            auth=BEARER,
            responses=ERRORS_401,
            summary="The account's domains (sales pages)",
        ),
        Operation(
            "voucherStatus",
            "GET",
            "/v1/status",
            redemption.status,
            query=StatusQuery,
            response=VoucherOut,
            auth=BEARER,
            responses=ERRORS_VOUCHER,
            summary="A voucher's state, history and order on a domain",
        ),
        Operation(
            "redeemVoucher",
            "POST",
            "/v1/redeem",
            redemption.redeem,
            body=RedeemForm,
            body_encoding="form",
            response=VoucherOut,
            auth=BEARER,
            max_body_bytes=SMALL,
            responses=ERRORS_VOUCHER,
            summary="Redeem a voucher on a domain: by reductor units, or completely",
        ),
        Operation(
            "listUsers",
            "GET",
            "/v1/users",
            users.list_users,
            response=list[UserOut],
            auth=BEARER,
            responses=ERRORS_AUTH,
            summary="Every staff user of the account",
        ),
        Operation(
            "createUser",
            "POST",
            "/v1/users",
            users.create_user,
            body=UserCreate,
            response=UserCreated,
            auth=BEARER,
            responses=ERRORS_AUTH,
            summary="Create a staff user with per-domain permissions",
        ),
        Operation(
            "getUser",
            "GET",
            USER,
            users.get_user,
            response=UserOut,
            auth=BEARER,
            responses={**ERRORS_AUTH, 404: ErrorOut},
            summary="One staff user",
        ),
        Operation(
            "updateUser",
            "PUT",
            USER,
            users.update_user,
            body=UserUpdate,
            status=204,
            auth=BEARER,
            responses={**ERRORS_AUTH, 404: ErrorOut},
            summary="Change a staff user and their permissions",
        ),
        Operation(
            "changePassword",
            "PATCH",
            USER + "/password",
            users.change_password,
            body=PasswordChange,
            status=204,
            auth=BEARER,
            responses={**ERRORS_AUTH, 404: ErrorOut},
            summary="Set a staff user's password (signs them out everywhere)",
        ),
        Operation(
            "deleteUser",
            "DELETE",
            USER,
            users.delete_user,
            status=204,
            auth=BEARER,
            responses=ERRORS_AUTH,
            summary="Delete a staff user",
        ),
    ),
)
