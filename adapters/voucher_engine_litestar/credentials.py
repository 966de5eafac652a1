"""Finding an operation's credentials in a request.

An operation names one auth scheme or several (any one will do): the first scheme whose
credentials are present is the one used, and its verdict is final (a wrong bearer token is not
retried as something else). A "body" scheme is present when the request has a body; its
credentials are the decoded body, so it is looked at only after the header schemes before it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from voucher_engine import errors
from voucher_engine.providers import AuthScheme, Credentials
from voucher_engine.screening import screen_text


def header_credentials(scheme: AuthScheme, headers: Mapping[str, str]) -> Credentials | None:
    """The scheme's credentials from lower-cased ``headers``; None when they are absent,
    ``Unauthorized`` when present but malformed."""
    if scheme.kind == "header":
        value = headers.get(scheme.header.lower())
        return Credentials("header", token=value, headers=headers) if value else None
    kind, _, value = headers.get("authorization", "").partition(" ")
    if kind.lower() != scheme.kind:
        return None
    if scheme.kind == "bearer":
        if not value.strip():
            raise errors.Unauthorized("missing bearer token")
        return Credentials("bearer", token=value.strip(), headers=headers)
    try:
        username, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise errors.Unauthorized("malformed Basic credentials") from None
    # A NUL names no user (and no column could be asked about it): malformed, as the rest.
    if not sep or screen_text(username, "username") or screen_text(password, "password"):
        raise errors.Unauthorized("malformed Basic credentials")
    return Credentials("basic", username=username, password=password, headers=headers)


def _missing(schemes: tuple[AuthScheme, ...]) -> str:
    names = {"bearer": "a bearer token", "basic": "Basic credentials", "body": "credentials in the body"}
    wanted = [names.get(s.kind) or f"the {s.header} header" for s in schemes]
    return "missing " + " or ".join(dict.fromkeys(wanted))


def choose(
    schemes: tuple[AuthScheme, ...], headers: Mapping[str, str], has_body: bool
) -> tuple[AuthScheme, Credentials | None]:
    """The first scheme present and its credentials; ``Unauthorized`` when none is, or when the
    chosen scheme's required headers are not all there. A "body" scheme's credentials are the
    decoded body: None here, the caller decodes the body and asks ``body_credentials``."""
    for scheme in schemes:
        if scheme.kind == "body":
            if has_body:
                return scheme, None
            continue
        credentials = header_credentials(scheme, headers)
        if credentials is None:
            continue
        _require_headers(scheme, headers)
        return scheme, credentials
    raise errors.Unauthorized(_missing(schemes))


def body_credentials(scheme: AuthScheme, headers: Mapping[str, str], body: Any) -> Credentials:
    """A "body" scheme's credentials, once the body is decoded (a malformed body is refused
    as such before a missing required header is)."""
    _require_headers(scheme, headers)
    return Credentials("body", headers=headers, body=body)


def _require_headers(scheme: AuthScheme, headers: Mapping[str, str]) -> None:
    missing = [h for h in scheme.required_headers if not headers.get(h.lower())]
    if missing:
        raise errors.Unauthorized(f"missing {', '.join(missing)} header")
