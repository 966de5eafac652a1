import pytest

from voucher_engine import Offer, Store
from voucher_engine.errors import OfferNotFound, StoreNotFound, TenantNotFound, UnknownCurrency


def test_stores_and_offers(engine):
    engine.put_store(Store("s1", "acme", "Shop", url="https://shop.test"))
    renamed = engine.put_store(Store("s1", "acme", "Shop One", url="https://one.test"))
    engine.put_store(Store("s2", "acme", "Closed", active=False))
    assert engine.get_store("acme", "s1") == renamed
    assert [s.id for s in engine.list_stores("acme")] == ["s1"]
    assert [s.id for s in engine.list_stores("acme", active_only=False)] == ["s1", "s2"]

    engine.create_pool("acme", "p1")
    fixed = Offer("o1", "acme", "s1", "Fixed", "EUR", denominations=(1000, 2500), discount_bp=500, pool_id="p1")
    ranged = Offer("o2", "acme", "s1", "Any value", "EUR", min_value=500, max_value=20_000, step=100)
    engine.put_offer(fixed)
    engine.put_offer(ranged)
    engine.put_offer(Offer("o3", "acme", "s2", "Old", "EUR", denominations=(500,), active=False))
    assert engine.get_offer("acme", "o1") == fixed
    assert engine.get_offer("acme", "o2", store_id="s1") == ranged
    with pytest.raises(OfferNotFound):
        engine.get_offer("acme", "o1", store_id="s2")
    cheaper = Offer("o1", "acme", "s1", "Fixed", "EUR", denominations=(1000, 2500), discount_bp=1000)
    engine.put_offer(cheaper)
    assert engine.get_offer("acme", "o1").price_of(1000) == 900
    assert [o.id for o in engine.list_offers("acme")] == ["o1", "o2"]
    assert [o.id for o in engine.list_offers("acme", store_id="s2", active_only=False)] == ["o3"]
    assert engine.list_offers("acme", store_id="s2") == []

    with pytest.raises(StoreNotFound):
        engine.put_offer(Offer("o4", "acme", "nowhere", "Lost", "EUR", denominations=(500,)))
    with pytest.raises(UnknownCurrency):
        engine.put_offer(Offer("o5", "acme", "s1", "Odd", "XXX", denominations=(500,)))
    with pytest.raises(OfferNotFound):
        engine.get_offer("acme", "o4")
    with pytest.raises(TenantNotFound):
        engine.put_store(Store("s1", "initech", "Nope"))
    assert len(engine.list_offers("acme", active_only=False)) == 3
