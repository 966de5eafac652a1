"""``GET /v1/domains``, ``GET /v1/status`` and ``POST /v1/redeem``.

Order of checks, each with its own code: parameters present (1018) and well formed (1000);
the domain exists (1004); the caller may act on it (1003); the voucher exists on that domain
(1010); its state allows a redemption (1014 cancelled, 1013 completed, 1012 expired, 1011
anything else). The engine's conditional UPDATE has the last word: a parallel redemption that
took the rest is explained from the voucher as it is afterwards.
"""

from __future__ import annotations

from typing import Any

from voucher_engine import Engine, Money, State, Voucher, VoucherKind
from voucher_engine.plugin import Call, errors
from voucher_engine_vouchercart.access import Caller
from voucher_engine_vouchercart.dates import parse_redeem_date
from voucher_engine_vouchercart.domains import Domain, get_domain, list_domains, redeemable_on
from voucher_engine_vouchercart.errors import (
    Cancelled,
    Expired,
    FullyRedeemed,
    Irreducible,
    VoucherNotOnDomain,
    invalid,
    missing,
    require,
)
from voucher_engine_vouchercart.permissions import MANAGE_ORDERS, REDEEM_VOUCHER
from voucher_engine_vouchercart.views import voucher_out
from voucher_engine_vouchercart.wire import DomainsOut, RedeemForm, StatusQuery, VoucherOut

#: Idempotency keys (an ``Idempotency-Key`` header) are scoped per caller.
SCOPE = "vouchercart:"
MAX_UNITS = 10**12


def positive_int(field: str, text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 13 or int(text) < 1 or int(text) > MAX_UNITS:
        raise invalid(field, "This value should be a positive integer.", rule="integer")
    return int(text)


def list_domains_of_tenant(call: Call) -> DomainsOut:
    caller: Caller = call.principal
    return DomainsOut(domains=[d.out() for d in list_domains(call.engine, caller.tenant_id)])


def target_domain(engine: Engine, caller: Caller, text: str | None) -> Domain:
    """The domain named, else the one the token names (a staff token's login domain, or an API
    key's tenant's only domain); 1018 when neither; 1004 for one the tenant does not have."""
    if text is None or not text.strip():
        if caller.home_domain is not None:
            domain_id = caller.home_domain
        else:
            only = list_domains(engine, caller.tenant_id)
            if len(only) != 1:
                raise missing("domain")
            domain_id = only[0].id
    else:
        domain_id = positive_int("domain", text.strip())
    domain = get_domain(engine, caller.tenant_id, domain_id)
    if domain is None:
        raise errors.NotFound(f"no domain {domain_id}")
    return domain


def voucher_on(engine: Engine, tenant_id: str, code: str, domain: Domain) -> tuple[Voucher, list[int]]:
    try:
        voucher = engine.get_voucher(tenant_id, code=code.strip())
    except errors.NotFound:
        raise VoucherNotOnDomain("no voucher with this code on this domain") from None
    redeemable = redeemable_on(voucher, list_domains(engine, tenant_id))
    if domain.id not in redeemable:
        raise VoucherNotOnDomain("no voucher with this code on this domain")
    return voucher, redeemable


def answer(engine: Engine, voucher: Voucher, redeemable: list[int]) -> VoucherOut:
    history = engine.redeem_history(voucher.tenant_id, voucher_id=voucher.id)
    return voucher_out(voucher, history, redeemable)


def status(call: Call) -> VoucherOut:
    caller: Caller = call.principal
    query: StatusQuery = call.query
    require(code=query.code)
    domain = target_domain(call.engine, caller, query.domain)
    caller.require(domain.id, REDEEM_VOUCHER, MANAGE_ORDERS)
    voucher, redeemable = voucher_on(call.engine, caller.tenant_id, query.code or "", domain)
    return answer(call.engine, voucher, redeemable)


def refusal(voucher: Voucher, *, dated: bool) -> errors.Rejected | None:
    """Why a voucher in this state cannot be redeemed, in the seed's terms; ``None`` when the
    engine should decide (an EXPIRED voucher with a redeemDate may still be redeemable)."""
    state = voucher.state
    if state is State.CANCELLED:
        return Cancelled("the voucher has been cancelled")
    if state is State.REDEEMED:
        return FullyRedeemed("the voucher has been fully redeemed")
    if state is State.EXPIRED and not dated:
        return Expired("the voucher has expired; set redeemDate inside its validity window")
    if state in (State.REFUND_REQUESTED, State.REFUNDED, State.RESERVED, State.CONFIRMED):
        return Irreducible(f"a {state.value} voucher cannot be redeemed")
    return None


def _amount(voucher: Voucher, units: int) -> Money | int:
    if voucher.kind is VoucherKind.MONETARY and voucher.currency is not None:
        return Money(units, voucher.currency)  # reductor counts minor units ("value")
    return units


def redeem(call: Call) -> VoucherOut:
    caller: Caller = call.principal
    form: RedeemForm = call.body
    require(code=form.code, domain=form.domain)
    units = positive_int("reductor", form.reductor.strip()) if form.reductor is not None else None
    at = None
    if form.redeem_date is not None:
        at = parse_redeem_date(form.redeem_date.strip())
        if at is None:
            raise invalid("redeemDate", "This value is not a valid datetime (YYYY-MM-DD HH:MM).", rule="datetime")
        if at > call.engine.clock.now():
            raise invalid("redeemDate", "The redeem date may not be in the future.", rule="not_future")
    domain = target_domain(call.engine, caller, form.domain)
    caller.require(domain.id, REDEEM_VOUCHER)
    voucher, redeemable = voucher_on(call.engine, caller.tenant_id, form.code or "", domain)
    refused = refusal(voucher, dated=at is not None)
    if refused is not None:
        raise refused
    common: dict[str, Any] = {
        "voucher_id": voucher.id,
        "store": str(domain.id),
        "at": at,
        "idempotency_key": call.idempotency_key,
        "scope": SCOPE + caller.key,
    }
    try:
        if units is None:
            call.engine.redeem_all(caller.tenant_id, **common)
        else:
            call.engine.redeem(caller.tenant_id, amount=_amount(voucher, units), **common)
    except errors.IllegalTransition:
        # Another redemption (or a cancellation) got there first: say what the voucher is now.
        now = call.engine.get_voucher(caller.tenant_id, voucher_id=voucher.id)
        raise refusal(now, dated=False) or Irreducible("the voucher cannot be redeemed") from None
    after = call.engine.get_voucher(caller.tenant_id, voucher_id=voucher.id)
    return answer(call.engine, after, redeemable)
