"""Reserving a voucher with a session: by the price the customer pays or by the voucher's value.

The session pays the offer's *price*. The spend is one conditional UPDATE on the session
(``voucher_engine.sessions``), so parallel reservations on one session can never reserve more
than its amount; it also ends the session, so at most one of them succeeds. Only then is the
voucher issued, RESERVED; if that fails, the spend is undone.
"""

from __future__ import annotations

from voucher_engine import Money, Offer, Quote, State, VoucherKind, VoucherSpec, WindowSpec
from voucher_engine.delivery import Webhooks
from voucher_engine.sessions import SessionAmountExceeded
from voucher_engine.plugin import Call, Reply

from voucher_engine_jackpot.auth import SessionCaller, services
from voucher_engine_jackpot.catalog import active_store, offer_of_store
from voucher_engine_jackpot.errors import OfferUnavailable
from voucher_engine_jackpot.settings import settings_of
from voucher_engine_jackpot.views import META, iso, voucher_out
from voucher_engine_jackpot.wire import ReserveByPrice, ReserveByValue

#: The job that expires a reservation left unconfirmed (see ``expiry``).
EXPIRE_RESERVATION = "jackpot_expire_reservation"
def reserve_by_price(call: Call) -> Reply:
    body: ReserveByPrice = call.body
    return _reserve(call, lambda offer: offer.quote_by_price(Money.parse(body.price, offer.currency)))


def reserve_by_value(call: Call) -> Reply:
    body: ReserveByValue = call.body
    return _reserve(call, lambda offer: offer.quote_by_value(Money.parse(body.value, offer.currency)))


def _check_stock(call: Call, offer: Offer) -> None:
    """Refuse early when fulfilment could never find a code: a reservation would only expire."""
    if offer.pool_id is not None and call.engine.pool_status(call.principal.tenant_id, offer.pool_id).remaining < 1:
        raise OfferUnavailable(f"offer {offer.id} is sold out")


def _reserve(call: Call, quote_of) -> Reply:  # noqa: ANN001
    caller: SessionCaller = call.principal
    store = active_store(call, call.path["storeId"])
    offer = offer_of_store(call)
    quote: Quote = quote_of(offer)
    session = caller.session
    if quote.price > session.remaining:
        # Checked again, atomically, by the spend; this only spares the write.
        raise SessionAmountExceeded(
            f"{quote.price.format()} {quote.price.currency} exceeds the session amount "
            f"({session.remaining.format()} {session.remaining.currency})"
        )
    _check_stock(call, offer)
    settings = settings_of(call.engine)
    now = call.engine.clock.now()
    reserved_until = now + settings.reservation_ttl
    key = f"jackpot-reserve:{session.id}"
    sessions = services(call.engine).sessions
    sessions.spend(caller.tenant_id, session.id, quote.price, subject=key)
    spec = VoucherSpec(
        VoucherKind.MONETARY, value=quote.face,
        validity=(WindowSpec(days_after_issue=settings.voucher_validity_days),),
        metadata={META: {
            "partner": caller.partner_id, "session": session.id, "spend": key,
            "store": store.id, "storeName": store.name, "storeUrl": store.url,
            "price": quote.price.format(), "customerReference": session.reference,
            "reservedUntil": iso(reserved_until),
        }},
    )
    try:
        voucher = call.engine.issue(
            caller.tenant_id, spec, state=State.RESERVED, holder=session.reference, offer_id=offer.id,
            idempotency_key=key, scope="jackpot",
        )
    except BaseException:
        sessions.unspend(caller.tenant_id, session.id, quote.price, subject=key)
        raise
    # The expiry also happens lazily on the next call about the voucher, so a worker that
    # runs late (or without this job's handler) never lets an expired reservation be confirmed.
    Webhooks(call.engine).enqueue_job(
        EXPIRE_RESERVATION, {"voucher_id": voucher.id}, tenant_id=caller.tenant_id,
        run_at=reserved_until, key=f"jackpot-expire:{voucher.id}",
    )
    return Reply(body=voucher_out(voucher), status=201)

