"""The OAuth2 token endpoint for the client-credentials grant (RFC 6749 sections 4.4, 2.3.1,
5.1 and 5.2), on the core's token service (``Identity.oauth.token``).

The body is read raw and parsed here, so that every refusal -- a JSON body, a repeated
parameter, two ways of authenticating at once -- is answered in RFC 6749's error shape
rather than in the admin API's own: token clients are generic OAuth2 libraries. What is HTTP
(content type, repeated parameters, the Basic header, statuses) is here; the grant's rules are
the core's.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl

import msgspec

from voucher_engine.plugin import DEFAULT_STATUS, Call, Failure, FailureKind, Reply, errors, retry_headers
from voucher_engine_admin.context import services

FORM = "application/x-www-form-urlencoded"
PARAMETERS = frozenset({"grant_type", "scope", "client_id", "client_secret", "client_type"})
#: RFC 6749 5.1: token responses must never be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthErrorOut(msgspec.Struct):
    """RFC 6749 5.2: every error of the token endpoint."""

    error: str
    error_description: str


def render_error(failure: Failure) -> Reply:
    """The token endpoint's failures before its handler (a body too large, a rate limit, a
    routing miss) in RFC 6749's shape too, with the status of their kind."""
    error = (
        "invalid_client"
        if failure.kind is FailureKind.UNAUTHORIZED
        else ("temporarily_unavailable" if DEFAULT_STATUS[failure.kind] >= 500 else "invalid_request")
    )
    message = "internal error" if failure.kind is FailureKind.INTERNAL else failure.message
    return Reply(
        body={"error": error, "error_description": message},
        status=DEFAULT_STATUS[failure.kind],
        headers={**NO_STORE, **retry_headers(failure)},
    )


def _refusal(error: errors.OAuthError, *, tried_header: bool) -> Reply:
    headers = dict(NO_STORE)
    status = 401 if error.error == "invalid_client" else 400
    if status == 401 and tried_header:
        # RFC 6749 5.2: a client that tried the Authorization header is told to use Basic.
        headers["WWW-Authenticate"] = 'Basic realm="voucher-engine admin", charset="UTF-8"'
    return Reply(body={"error": error.error, "error_description": error.description}, status=status, headers=headers)


def _form(call: Call) -> dict[str, str]:
    media_type = call.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise errors.OAuthError("invalid_request", f"the request body must be {FORM}")
    try:
        pairs = parse_qsl(call.body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(call.body))
    except (UnicodeDecodeError, ValueError):
        raise errors.OAuthError("invalid_request", "the request body is not a readable form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form and name in PARAMETERS:
            # RFC 6749 3.2: request parameters must not be included more than once.
            raise errors.OAuthError("invalid_request", f"the parameter {name} is repeated")
        # Empty values count as absent (RFC 6749 3.1); unknown parameters are ignored.
        if value != "":
            form[name] = value
    return form


def _basic(call: Call) -> tuple[str, str] | None:
    header = call.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise errors.OAuthError(
            "invalid_client", "authenticate with HTTP Basic or the client_id and client_secret parameters"
        )
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise errors.OAuthError("invalid_client", "malformed Basic credentials") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise errors.OAuthError("invalid_client", "malformed Basic credentials")
    return client_id, secret  # the token service form-decodes each half (RFC 6749 2.3.1)


def token(call: Call) -> Reply:
    tried_header = "authorization" in call.headers
    try:
        form = _form(call)
        if "grant_type" not in form:
            # Before the header is read: a request without a grant is malformed whoever sent it.
            raise errors.OAuthError("invalid_request", "grant_type is required")
        issued = services(call.engine).identity.oauth.token(form, _basic(call))
    except errors.OAuthError as error:
        return _refusal(error, tried_header=tried_header)
    return Reply(body=issued.response(), headers=NO_STORE)
