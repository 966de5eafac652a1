"""Browsing with a session token: stores, offers, and proposals that fit the session.

Every proposal's *price* (what the session pays) is at most the budget, and the budget is at
most what is left of the session: a partner cannot browse past the session amount. Only what
can be reserved is proposed: an offer whose code pool is empty (which reserving refuses with
``offer_unavailable``) proposes nothing.
"""

from __future__ import annotations

from voucher_engine import Money, Offer, Quote, Store
from voucher_engine.plugin import Call, errors
from voucher_engine_jackpot.auth import SessionCaller
from voucher_engine_jackpot.settings import settings_of
from voucher_engine_jackpot.wire import OfferDetailsOut, OfferOut, ProposalOut, StoreOut


def money(minor: int, currency: str) -> str:
    return Money(minor, currency).format()


def offer_out(offer: Offer) -> OfferOut:
    percent = f"{offer.discount_bp // 100}.{offer.discount_bp % 100:02d}"
    out = OfferOut(offer.id, offer.store_id, offer.name, offer.currency, percent)
    if offer.denominations:
        out.denominations = [money(d, offer.currency) for d in sorted(offer.denominations)]
    else:
        assert offer.min_value is not None and offer.max_value is not None
        out.min_value = money(offer.min_value, offer.currency)
        out.max_value = money(offer.max_value, offer.currency)
        out.step = money(offer.step, offer.currency)
    return out


def proposal_out(store: Store, offer: Offer, quote: Quote) -> ProposalOut:
    return ProposalOut(
        store.id, store.name, offer.id, offer.name, quote.face.format(), quote.price.format(), quote.face.currency
    )


def budget_of(call: Call) -> Money:
    """The query's ``amount`` (default: what is left of the session), never above that."""
    caller: SessionCaller = call.principal
    left = caller.session.remaining
    if call.query is None or call.query.amount is None:
        return left
    asked = Money.parse(call.query.amount, left.currency)
    if asked > left:
        raise errors.SessionAmountExceeded(
            f"{asked.format()} {left.currency} exceeds the session amount ({left.format()} {left.currency})"
        )
    return asked


def _offers(call: Call, store_id: str | None = None) -> list[Offer]:
    caller: SessionCaller = call.principal
    currency = caller.session.amount.currency
    return [o for o in call.engine.list_offers(caller.tenant_id, store_id=store_id) if o.currency == currency]


def in_stock(call: Call, offer: Offer) -> bool:
    """Whether fulfilment could find the offer a code: the one test of proposing and reserving."""
    return offer.pool_id is None or call.engine.pool_status(call.principal.tenant_id, offer.pool_id).remaining > 0


def _reservable(call: Call, store_id: str | None = None) -> list[Offer]:
    return [offer for offer in _offers(call, store_id) if in_stock(call, offer)]


def active_store(call: Call, store_id: str) -> Store:
    store = call.engine.get_store(call.principal.tenant_id, store_id)
    if not store.active:
        raise errors.StoreNotFound(f"no store {store_id!r}")
    return store


def list_stores(call: Call) -> list[StoreOut]:
    offers = _offers(call)
    return [
        StoreOut(store.id, store.name, store.url, [offer_out(o) for o in offers if o.store_id == store.id])
        for store in call.engine.list_stores(call.principal.tenant_id)
    ]


def proposals_by_amount(call: Call) -> list[ProposalOut]:
    """For one amount, the best voucher of each store: the largest value its price allows."""
    budget = budget_of(call)
    stores = {s.id: s for s in call.engine.list_stores(call.principal.tenant_id)}
    best: dict[str, tuple[Offer, Quote]] = {}
    for offer in _reservable(call):
        if offer.store_id not in stores:
            continue
        quotes = offer.proposals(budget, limit=1)
        if quotes and (offer.store_id not in best or quotes[0].face.minor > best[offer.store_id][1].face.minor):
            best[offer.store_id] = (offer, quotes[0])
    return [proposal_out(stores[sid], *best[sid]) for sid in sorted(best)]


def proposals_of_store(call: Call) -> list[ProposalOut]:
    """For one store, the values its offers have within the budget, largest first."""
    budget = budget_of(call)
    store = active_store(call, call.path["storeId"])
    limit = settings_of(call.engine).proposals_per_offer
    found = [(offer, quote) for offer in _reservable(call, store.id) for quote in offer.proposals(budget, limit=limit)]
    found.sort(key=lambda pair: (-pair[1].face.minor, pair[0].id))
    return [proposal_out(store, offer, quote) for offer, quote in found]


def offer_of_store(call: Call) -> Offer:
    caller: SessionCaller = call.principal
    store = active_store(call, call.path["storeId"])
    offer = call.engine.get_offer(caller.tenant_id, call.path["offerId"], store_id=store.id)
    if not offer.active:
        raise errors.OfferNotFound(f"no offer {offer.id!r}")
    if offer.currency != caller.session.amount.currency:
        raise errors.CurrencyMismatch(
            f"offer {offer.id} is in {offer.currency}, the session in {caller.session.amount.currency}"
        )
    return offer


def get_offer(call: Call) -> OfferDetailsOut:
    store = active_store(call, call.path["storeId"])
    offer = offer_of_store(call)
    budget = call.principal.session.remaining
    limit = settings_of(call.engine).proposals_per_offer
    quotes = offer.proposals(budget, limit=limit) if in_stock(call, offer) else []
    return OfferDetailsOut(offer_out(offer), [proposal_out(store, offer, q) for q in quotes])
