"""Reserving a voucher with a session: by the price the customer pays or by the voucher's value.

The session pays the offer's *price*. One engine command (``Engine.buy_with_session``) spends
the session, issues the voucher RESERVED and queues its expiry job, in one transaction: the
spend is a conditional UPDATE, so parallel reservations on one session can never reserve more
than its amount, and it ends the session, so at most one of them succeeds; a failure anywhere
(or a process killed half-way) leaves the session open and unspent, with nothing to undo.
"""

from __future__ import annotations

from collections.abc import Callable

from voucher_engine import Money, Offer, Quote, State, VoucherJob, VoucherKind, VoucherSpec, WindowSpec
from voucher_engine.plugin import Call, Reply, errors
from voucher_engine_jackpot.auth import SessionCaller
from voucher_engine_jackpot.catalog import active_store, in_stock, offer_of_store
from voucher_engine_jackpot.errors import OfferUnavailable
from voucher_engine_jackpot.settings import settings_of
from voucher_engine_jackpot.views import META, iso, voucher_out
from voucher_engine_jackpot.wire import ReserveByPrice, ReserveByValue

#: The job that expires a reservation left unconfirmed (see ``vouchers``).
EXPIRE_RESERVATION = "jackpot_expire_reservation"
#: The job that confirms a reservation by itself, with ``JackpotSettings.auto_confirm``.
CONFIRM_RESERVATION = "jackpot_confirm_reservation"


def reserve_by_price(call: Call) -> Reply:
    body: ReserveByPrice = call.body
    return _reserve(call, lambda offer: offer.quote_by_price(Money.parse(body.price, offer.currency)))


def reserve_by_value(call: Call) -> Reply:
    body: ReserveByValue = call.body
    return _reserve(call, lambda offer: offer.quote_by_value(Money.parse(body.value, offer.currency)))


def _check_stock(call: Call, offer: Offer) -> None:
    """Refuse early when fulfilment could never find a code: a reservation would only expire."""
    if not in_stock(call, offer):
        raise OfferUnavailable(f"offer {offer.id} is sold out")


def _reserve(call: Call, quote_of: Callable[[Offer], Quote]) -> Reply:
    caller: SessionCaller = call.principal
    store = active_store(call, call.path["storeId"])
    offer = offer_of_store(call)
    quote: Quote = quote_of(offer)
    session = caller.session
    if quote.price > session.remaining:
        # Checked again, atomically, by the spend; this only spares the write.
        raise errors.SessionAmountExceeded(
            f"{quote.price.format()} {quote.price.currency} exceeds the session amount "
            f"({session.remaining.format()} {session.remaining.currency})"
        )
    _check_stock(call, offer)
    settings = settings_of(call.engine)
    now = call.engine.clock.now()
    reserved_until = now + settings.reservation_ttl
    spec = VoucherSpec(
        VoucherKind.MONETARY,
        value=quote.face,
        validity=(WindowSpec(days_after_issue=settings.voucher_validity_days),),
        metadata={
            META: {
                "partner": caller.partner_id,
                "session": session.id,
                "store": store.id,
                "storeName": store.name,
                "storeUrl": store.url,
                "price": quote.price.format(),
                "customerReference": session.reference,
                "reservedUntil": iso(reserved_until),
            }
        },
    )
    # No idempotency key: the spend ends the session, so a retried or parallel reservation is
    # refused by the session itself (session_ended), whatever its quote or instant.
    # The expiry also happens lazily on the next call about the voucher, so a worker that
    # runs late (or without this job's handler) never lets an expired reservation be confirmed.
    jobs = [VoucherJob(EXPIRE_RESERVATION, run_at=reserved_until)]
    if settings.auto_confirm:
        # Queued with the reservation, so it is confirmed even if this process dies right after.
        jobs.append(VoucherJob(CONFIRM_RESERVATION))
    voucher = call.engine.buy_with_session(
        caller.tenant_id,
        session.id,
        spec,
        price=quote.price,
        state=State.RESERVED,
        holder=session.reference,
        offer_id=offer.id,
        jobs=tuple(jobs),
        scope="jackpot",
    )
    return Reply(body=voucher_out(voucher), status=201)
