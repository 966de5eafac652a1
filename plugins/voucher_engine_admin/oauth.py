"""The OAuth2 token endpoint for the client-credentials grant (RFC 6749 sections 4.4, 2.3.1,
5.1 and 5.2).

The body is read raw and parsed here, so that every refusal -- a JSON body, a repeated
parameter, two ways of authenticating at once -- is answered in RFC 6749's error shape
rather than in the admin API's own: token clients are generic OAuth2 libraries.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote_plus

import msgspec

from voucher_engine.plugin import DEFAULT_STATUS, Call, Failure, FailureKind, Reply, errors, retry_headers

from voucher_engine_admin.context import services

GRANT_TYPE = "client_credentials"
FORM = "application/x-www-form-urlencoded"
PARAMETERS = frozenset({"grant_type", "scope", "client_id", "client_secret"})
#: RFC 6749 5.1: token responses must never be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthErrorOut(msgspec.Struct):
    """RFC 6749 5.2: every error of the token endpoint."""

    error: str
    error_description: str


def render_error(failure: Failure) -> Reply:
    """The token endpoint's failures before its handler (a body too large, a rate limit, a
    routing miss) in RFC 6749's shape too, with the status of their kind."""
    error = "invalid_client" if failure.kind is FailureKind.UNAUTHORIZED else (
        "temporarily_unavailable" if DEFAULT_STATUS[failure.kind] >= 500 else "invalid_request")
    message = "internal error" if failure.kind is FailureKind.INTERNAL else failure.message
    return Reply(body={"error": error, "error_description": message}, status=DEFAULT_STATUS[failure.kind],
                 headers={**NO_STORE, **retry_headers(failure)})


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400, *, basic: bool = False) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.basic = basic

    def reply(self) -> Reply:
        headers = dict(NO_STORE)
        if self.basic:
            # RFC 6749 5.2: a client that tried Basic is told which scheme to use again.
            headers["WWW-Authenticate"] = 'Basic realm="voucher-engine admin", charset="UTF-8"'
        return Reply(body={"error": self.error, "error_description": self.description},
                     status=self.status, headers=headers)


def _form(call: Call) -> dict[str, str]:
    media_type = call.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise OAuthError("invalid_request", f"the request body must be {FORM}")
    try:
        pairs = parse_qsl(call.body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(call.body))
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "the request body is not a readable form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form and name in PARAMETERS:
            # RFC 6749 3.2: request parameters must not be included more than once.
            raise OAuthError("invalid_request", f"the parameter {name} is repeated")
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
        raise OAuthError("invalid_client", "authenticate with HTTP Basic or the client_id and client_secret "
                         "parameters", 401, basic=True)
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "malformed Basic credentials", 401, basic=True) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise OAuthError("invalid_client", "malformed Basic credentials", 401, basic=True)
    # RFC 6749 2.3.1: both halves are form-encoded before they are joined.
    return unquote_plus(client_id), unquote_plus(secret)


def _client(call: Call, form: dict[str, str]) -> tuple[str, str, bool]:
    basic = _basic(call)
    in_form = "client_id" in form or "client_secret" in form
    if basic is not None and in_form:
        raise OAuthError("invalid_request", "use one way of client authentication, not two")
    if basic is not None:
        return basic[0], basic[1], True
    if "client_id" not in form or "client_secret" not in form:
        raise OAuthError("invalid_client", "client authentication is required", 401)
    return form["client_id"], form["client_secret"], False


def token(call: Call) -> Reply:
    try:
        form = _form(call)
        grant = form.get("grant_type")
        if grant is None:
            raise OAuthError("invalid_request", "grant_type is required")
        client_id, secret, basic = _client(call, form)
        if grant != GRANT_TYPE:
            raise OAuthError("unsupported_grant_type", f"the only grant type is {GRANT_TYPE}")
        try:
            issued = services(call.engine).identity.client_credentials(client_id, secret, form.get("scope"))
        except errors.Unauthorized:
            raise OAuthError("invalid_client", "client authentication failed", 401, basic=basic) from None
        except (errors.InvalidScope, errors.ValidationError) as error:
            raise OAuthError("invalid_scope", error.message) from None
    except OAuthError as error:
        return error.reply()
    return Reply(
        body={"access_token": issued.access_token, "token_type": issued.token_type,
              "expires_in": issued.expires_in, "scope": issued.scope},
        headers=NO_STORE,
    )
