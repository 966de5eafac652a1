"""``POST /oauth/token``: OAuth 2 client credentials (RFC 6749 4.4), on the core's token
service (``Identity.oauth.token``).

The body is read raw and parsed here, so that every refusal -- a JSON body, a repeated
parameter, a malformed Basic header -- is answered in RFC 6749's shape (5.2), which generic
OAuth 2 libraries read, rather than in the JTL error envelope. What is HTTP (content type,
repeated parameters, the Basic header, statuses) is here; the grant's rules (which parameter
is missing, client authentication, the scope as a subset of the client's, ``client_type`` of
at most 32 characters kept for statistics) are the core's.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl

import msgspec

from voucher_engine.identity import Identity, OAuthError
from voucher_engine.plugin import DEFAULT_STATUS, Call, Failure, FailureKind, Reply, retry_headers

FORM = "application/x-www-form-urlencoded"
PARAMETERS = frozenset({"grant_type", "scope", "client_id", "client_secret", "client_type"})
#: RFC 6749 5.1: token responses must never be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
REALM = 'Basic realm="jtl", charset="UTF-8"'


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class OAuthErrorOut(msgspec.Struct):
    """RFC 6749 5.2: every error of the token endpoint."""

    error: str
    error_description: str


def _refusal(error: OAuthError, *, tried_header: bool) -> Reply:
    headers = dict(NO_STORE)
    status = 401 if error.error == "invalid_client" else 400
    if status == 401 and tried_header:
        # RFC 6749 5.2: a client that tried the Authorization header is told to use Basic.
        headers["WWW-Authenticate"] = REALM
    return Reply(body={"error": error.error, "error_description": error.description}, status=status, headers=headers)


def render_error(failure: Failure) -> Reply:
    """Failures before the handler (a body too large, a rate limit, a wrong method) in RFC
    6749's shape too, with the status of their kind."""
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


def parse_form(content_type: str, body: bytes) -> dict[str, str]:
    """The form's parameters; empty values count as absent (RFC 6749 3.1), unknown ones are
    ignored, a known one sent twice is refused (3.2)."""
    media_type = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media_type != FORM:
        raise OAuthError("invalid_request", f"the request body must be {FORM}")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "the request body is not a readable form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form and name in PARAMETERS:
            raise OAuthError("invalid_request", f"the parameter {name} is repeated")
        if value != "":
            form[name] = value
    return form


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """(client_id, secret) of an ``Authorization: Basic`` header, still form-encoded (the
    token service decodes each half, RFC 6749 2.3.1); None without the header."""
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError("invalid_client", "authenticate with HTTP Basic or the client_id and client_secret parameters")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "malformed Basic credentials") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise OAuthError("invalid_client", "malformed Basic credentials")
    return client_id, secret


def token(call: Call) -> Reply:
    tried_header = "authorization" in call.headers
    try:
        form = parse_form(call.headers.get("content-type", ""), call.body or b"")
        if "grant_type" not in form:
            # Before the header is read: a request without a grant is malformed whoever sent it.
            raise OAuthError("invalid_request", "grant_type is required")
        issued = call.engine.shared(Identity).oauth.token(form, parse_basic(call.headers.get("authorization")))
    except OAuthError as error:
        return _refusal(error, tried_header=tried_header)
    return Reply(
        body={
            "access_token": issued.access_token,
            "token_type": issued.token_type,
            "expires_in": issued.expires_in,
            "scope": issued.scope,
        },
        headers=NO_STORE,
    )
