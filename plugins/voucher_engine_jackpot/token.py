"""``POST /v2/token``: a partner-signed JWT, used once, opens a session of its amount.

The JWT's claims: ``iss`` (the partner id), ``tenant`` (the partner's account), ``amount``
(a decimal string such as "50.00", or a number), ``currency`` (ISO 4217), ``customerReference``,
``iat``, ``exp``, ``jti``. The signature is verified (and the JWT used up) *before* any
session claim is parsed: nothing an unauthenticated caller wrote is interpreted beyond the
``iss`` and ``tenant`` strings that pick the key. A signed JWT with an unusable amount is then
refused (422) with no session opened; its ``jti`` stays used, like any verified JWT's.
"""

from __future__ import annotations

from decimal import Decimal, DecimalException
from typing import Any

from voucher_engine import Money
from voucher_engine.plugin import Call, Reply, errors
from voucher_engine_jackpot.auth import issuer_of, replay_reported, services
from voucher_engine_jackpot.settings import settings_of
from voucher_engine_jackpot.views import iso
from voucher_engine_jackpot.wire import SessionOut, TokenRequest

#: Far above any real session, far below what a 64-bit column holds.
MAX_SESSION_MINOR = 10**12
#: Amounts whose decimal exponent is beyond this are refused before any arithmetic on them.
MAX_EXPONENT = 30
CARRIED = ("amount", "currency", "customerReference")


def session_terms(claims: dict[str, Any]) -> tuple[Money, str]:
    """The session amount and customer reference a JWT asks for, or ``errors.ValidationError``."""
    currency, reference, raw = claims.get("currency"), claims.get("customerReference"), claims.get("amount")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
        raise errors.ValidationError("the JWT needs a currency claim (ISO 4217, e.g. EUR)")
    if not (isinstance(reference, str) and 0 < len(reference) <= 255):
        raise errors.ValidationError("the JWT needs a customerReference claim of 1 to 255 characters")
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise errors.InvalidAmount('the JWT needs an amount claim: a decimal string such as "50.00"')
    amount = Money(_session_minor(raw, currency), currency)
    return amount, reference


def _session_minor(raw: str | int | float, currency: str) -> int:
    """The amount in minor units. NaN, infinities (a JSON ``1e999`` reads as one) and numbers
    whose scaling overflows the decimal context (``"1e999999999"``) are refused like any other
    unusable amount, never left to raise out of the handler."""
    try:
        value = Decimal(raw) if isinstance(raw, str | int) else Decimal(repr(raw))
        if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
            raise errors.InvalidAmount(f"not a usable amount: {str(raw)[:32]!r}")
        minor = Money.from_decimal(value, currency).minor
    except (DecimalException, ValueError):
        raise errors.InvalidAmount(f"not an amount: {str(raw)[:32]!r}") from None
    if not 0 < minor < MAX_SESSION_MINOR:
        raise errors.InvalidAmount("a session amount is positive and below 10 000 000 000")
    return minor


def open_session(call: Call) -> Reply:
    request: TokenRequest = call.body
    tenant, partner = issuer_of(request.token)
    found = services(call.engine)
    with replay_reported():
        opened = found.identity.open_session(
            tenant,
            request.token,
            partner_id=partner,
            carry=CARRIED,
            ttl=settings_of(call.engine).session_ttl,
        )
    # Only now, with the signature verified, are the session claims read.
    amount, reference = session_terms(opened.session.claims)
    call.engine.open_session(
        tenant,
        opened.session.session_id,
        owner=partner,
        reference=reference,
        amount=amount,
        expires_at=opened.session.expires_at,
    )
    body = SessionOut(opened.token, iso(opened.session.expires_at) or "", amount.format(), amount.currency)
    return Reply(body=body, status=201)
