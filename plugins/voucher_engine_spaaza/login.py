"""``POST /auth/login``: a staff user's session for admin authentication.

Form fields ``username`` (the staff user's email), ``password`` and ``chain_id`` (a staff user
belongs to one tenant, and emails are unique per tenant only, so the chain says which). The
answer's ``session.user_id`` and ``session.session_key`` are the two admin-authentication
headers. Every failure is the same ``login_failed``: nothing tells an unknown user from a wrong
password or a user without the ``spaaza`` role.
"""

from __future__ import annotations

from voucher_engine.plugin import Call, errors
from voucher_engine_spaaza.auth import identity
from voucher_engine_spaaza.errors import LoginFailed
from voucher_engine_spaaza.settings import STAFF_SCOPE, settings_of
from voucher_engine_spaaza.views import utc_text
from voucher_engine_spaaza.wire import LoginForm, LoginResponse, LoginResults, ResultOk, SessionOut


def login(call: Call) -> LoginResponse:
    form: LoginForm = call.body
    settings = settings_of(call.engine)
    chain_id = int(form.chain_id)
    try:
        tokens = identity(call.engine).login(
            settings.tenant_of(chain_id),
            form.username,
            form.password,
            STAFF_SCOPE,
            access_ttl=settings.session_ttl,
        )
    except (errors.Unauthorized, errors.NotFound, errors.ValidationError):
        raise LoginFailed() from None
    session = SessionOut(
        user_id=tokens.user.public_id,
        username=tokens.user.email,
        session_key=tokens.access_token,
        session_expiry_datetime_utc=utc_text(tokens.expires_at) or "",
        chain_id=chain_id,
    )
    return LoginResponse(ResultOk(), LoginResults(session))
