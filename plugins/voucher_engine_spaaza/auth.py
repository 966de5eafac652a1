"""Who is calling: Spaaza's admin authentication or its privileged authentication.

- Admin: ``X-Spaaza-Session-User-Id`` (the staff user's public id) and ``X-Spaaza-Session-Key``
  (the session key ``POST /auth/login`` issued: a staff access token of the identity service,
  for the scope ``spaaza``). The staff user needs the role ``admin`` or ``write`` in that scope:
  Spaaza's "write access to the chain". A missing, unknown, expired or revoked session, or a
  user id that is not the session's, is error 6 ``no_valid_session``.
- Privileged: ``Authorization: Bearer <token>``, an OAuth2 client-credentials access token of
  an API client of the chain's tenant holding the scope ``spaaza:privileged``, plus the
  mandatory ``X-Spaaza-MyPrice-App-Hostname``, which must be one of the client's app scopes
  (``spaaza:app:<hostname>``). Without the header: error 269 ``no_myprice_app``.

The tenant is the one the credential belongs to; a request naming another chain is refused by
the handlers (``permission_denied_or_non_existent``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from voucher_engine import Engine
from voucher_engine.identity import Identity
from voucher_engine.plugin import AuthScheme, Credentials, errors
from voucher_engine_spaaza.errors import NoMyPriceApp, NoValidSession, PermissionDenied
from voucher_engine_spaaza.settings import APP_SCOPE_PREFIX, PRIVILEGED_SCOPE, STAFF_SCOPE, WRITE_ROLES

USER_ID_HEADER = "X-Spaaza-Session-User-Id"
SESSION_KEY_HEADER = "X-Spaaza-Session-Key"
HOSTNAME_HEADER = "X-Spaaza-MyPrice-App-Hostname"


@dataclass(frozen=True, slots=True)
class SpaazaCaller:
    tenant_id: str
    method: Literal["admin", "privileged"]
    #: ``staff:<public id>`` or ``client:<client id>``: who acted, and the idempotency scope.
    actor: str
    hostname: str | None = None

    @property
    def scope(self) -> str:
        return f"spaaza:{self.actor}"


def identity(engine: Engine) -> Identity:
    return engine.shared(Identity)


def _user_id(credentials: Credentials) -> int:
    raw = credentials.headers.get(USER_ID_HEADER.lower(), "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise NoValidSession()
    return int(raw)


def admin_caller(engine: Engine, credentials: Credentials) -> SpaazaCaller:
    user_id = _user_id(credentials)
    found = identity(engine)
    try:
        staff = found.verify_staff(credentials.token or "", scope=STAFF_SCOPE, roles=WRITE_ROLES)
    except errors.Forbidden:
        raise PermissionDenied("this user has no write access to the chain") from None
    except errors.Unauthorized:
        raise NoValidSession() from None
    user = found.staff.staff_user(staff.tenant_id, staff.user_id)
    if user.public_id != user_id:
        # A valid key presented with someone else's user id: the pair is not a session.
        raise NoValidSession()
    return SpaazaCaller(staff.tenant_id, "admin", f"staff:{user.public_id}")


def privileged_caller(engine: Engine, credentials: Credentials) -> SpaazaCaller:
    hostname = credentials.headers.get(HOSTNAME_HEADER.lower(), "").strip().lower()
    if not hostname:
        raise NoMyPriceApp(f"the {HOSTNAME_HEADER} header is mandatory with privileged authentication")
    try:
        client = identity(engine).verify_access(credentials.token or "", PRIVILEGED_SCOPE)
    except errors.Forbidden:
        raise PermissionDenied("this application has no privileged access") from None
    except errors.Unauthorized:
        raise NoValidSession() from None
    if APP_SCOPE_PREFIX + hostname not in client.scopes:
        raise PermissionDenied(f"this application may not act for the app {hostname!r}")
    return SpaazaCaller(client.tenant_id, "privileged", f"client:{client.client_id}", hostname)


ADMIN_SESSION = AuthScheme(
    "header",
    admin_caller,
    header=SESSION_KEY_HEADER,
    description=(
        f"Admin authentication: {SESSION_KEY_HEADER} (the session key from POST /auth/login) and "
        f"{USER_ID_HEADER} (its user id); the staff user needs the role admin or write in the "
        f"scope {STAFF_SCOPE!r}."
    ),
)
PRIVILEGED = AuthScheme(
    "bearer",
    privileged_caller,
    description=(
        f"Privileged authentication: a client-credentials access token with the scope "
        f"{PRIVILEGED_SCOPE!r} and {APP_SCOPE_PREFIX}<hostname>, plus the mandatory "
        f"{HOSTNAME_HEADER} header naming that hostname."
    ),
)
#: Either one: the first whose credentials the request carries is used; neither -> error 6.
EITHER = (ADMIN_SESSION, PRIVILEGED)
