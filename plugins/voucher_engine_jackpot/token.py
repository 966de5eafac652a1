"""``POST /v2/token``: a partner-signed JWT, used once, opens a session of its amount.

The JWT's claims: ``iss`` (the partner id), ``tenant`` (the partner's account), ``amount``
(a decimal string such as "50.00", or a number), ``currency`` (ISO 4217), ``customerReference``,
``iat``, ``exp``, ``jti``. The session claims are checked *before* the JWT is used up, so a
JWT with an unusable amount is refused without spending its ``jti`` or writing anything.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from voucher_engine import Money
from voucher_engine.plugin import Call, Reply, errors
from voucher_engine_jackpot.auth import issuer_of, replay_reported, services, unverified_claims
from voucher_engine_jackpot.settings import settings_of
from voucher_engine_jackpot.views import iso
from voucher_engine_jackpot.wire import SessionOut, TokenRequest

#: Far above any real session, far below what a 64-bit column holds.
MAX_SESSION_MINOR = 10**12
CARRIED = ("amount", "currency", "customerReference")


def session_terms(claims: dict[str, Any]) -> tuple[Money, str]:
    """The session amount and customer reference a JWT asks for, or ``errors.ValidationError``."""
    currency, reference, raw = claims.get("currency"), claims.get("customerReference"), claims.get("amount")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
        raise errors.ValidationError("the JWT needs a currency claim (ISO 4217, e.g. EUR)")
    if not (isinstance(reference, str) and 0 < len(reference) <= 255):
        raise errors.ValidationError("the JWT needs a customerReference claim of 1 to 255 characters")
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise errors.InvalidAmount("the JWT needs an amount claim: a decimal string such as \"50.00\"")
    try:
        amount = Money.from_decimal(Decimal(str(raw)), currency)
    except InvalidOperation:
        raise errors.InvalidAmount(f"not an amount: {raw!r}") from None
    if not 0 < amount.minor < MAX_SESSION_MINOR:
        raise errors.InvalidAmount("a session amount is positive and below 10 000 000 000")
    return amount, reference


def open_session(call: Call) -> Reply:
    request: TokenRequest = call.body
    tenant, partner = issuer_of(request.token)
    session_terms(unverified_claims(request.token))
    found = services(call.engine)
    with replay_reported():
        opened = found.identity.open_session(
            tenant, request.token, partner_id=partner, carry=CARRIED, ttl=settings_of(call.engine).session_ttl,
        )
    # The same claims as checked above, now verified by the signature.
    amount, reference = session_terms(opened.session.claims)
    call.engine.open_session(
        tenant, opened.session.session_id, owner=partner, reference=reference, amount=amount,
        expires_at=opened.session.expires_at,
    )
    body = SessionOut(opened.token, iso(opened.session.expires_at) or "", amount.format(), amount.currency)
    return Reply(body=body, status=201)
