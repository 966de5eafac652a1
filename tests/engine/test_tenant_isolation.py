"""Every read and command of tenant "globex" on tenant "acme"'s objects answers "not found"."""

import pytest

from voucher_engine import Money, Offer, Store, VoucherKind, VoucherSpec
from voucher_engine.errors import NoCampaignAvailable, NotFound


def test_another_tenants_objects_are_not_found(engine, snapshot):
    acme_v = engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money(5000, "EUR")), code="ACME-1")
    engine.redeem("acme", code="ACME-1", amount=Money(1000, "EUR"))
    hold = engine.hold("acme", code="ACME-1", amount=Money(1000, "EUR"))
    engine.create_pool("acme", "pool")
    engine.add_codes("acme", "pool", ["P1", "P2"])
    engine.put_campaign("acme", "camp", name="C", pool_id="pool", trigger_categories=["x"], distributors=["d"])
    engine.put_store(Store("shop", "acme", "Shop"))
    engine.put_offer(Offer("offer", "acme", "shop", "O", "EUR", denominations=(1000,)))
    before = (
        snapshot(code="ACME-1"),
        engine.pool_status("acme", "pool"),
        engine.get_campaign("acme", "camp"),
        engine.get_hold("acme", hold.hold_id),
    )

    g, by_code, by_id = "globex", {"code": "ACME-1"}, {"voucher_id": acme_v.id}
    eur = Money(100, "EUR")
    calls = {
        "get_voucher": lambda: engine.get_voucher(g, **by_code),
        "get_voucher by id": lambda: engine.get_voucher(g, **by_id),
        "ledger": lambda: engine.ledger(g, **by_id),
        "redeem_history": lambda: engine.redeem_history(g, **by_code),
        "redeem": lambda: engine.redeem(g, **by_code, amount=eur),
        "redeem by id": lambda: engine.redeem(g, **by_id, amount=eur),
        "hold": lambda: engine.hold(g, **by_code, amount=eur),
        "get_hold": lambda: engine.get_hold(g, hold.hold_id),
        "capture": lambda: engine.capture(g, hold.hold_id),
        "release": lambda: engine.release(g, hold.hold_id),
        "reverse": lambda: engine.reverse(g, **by_code, seq=2),
        "lock": lambda: engine.lock(g, **by_code),
        "unlock": lambda: engine.unlock(g, **by_code),
        "claim": lambda: engine.claim(g, **by_code, holder="h"),
        "confirm": lambda: engine.confirm(g, **by_code),
        "fulfil": lambda: engine.fulfil(g, **by_id, new_code="STOLEN"),
        "cancel": lambda: engine.cancel(g, **by_id),
        "expire": lambda: engine.expire(g, **by_code),
        "request_refund": lambda: engine.request_refund(g, **by_code),
        "refund": lambda: engine.refund(g, **by_code),
        "pool_status": lambda: engine.pool_status(g, "pool"),
        "pop_code": lambda: engine.pop_code(g, "pool"),
        "add_codes": lambda: engine.add_codes(g, "pool", ["X1"]),
        "generate_codes": lambda: engine.generate_codes(g, "pool", 1),
        "target_size": lambda: engine.target_size(g, "pool", 5),
        "export_codes": lambda: list(engine.export_codes(g, "pool")),
        "get_campaign": lambda: engine.get_campaign(g, "camp"),
        "get_store": lambda: engine.get_store(g, "shop"),
        "get_offer": lambda: engine.get_offer(g, "offer"),
        "put_offer": lambda: engine.put_offer(Offer("offer", g, "shop", "O", "EUR", denominations=(1,))),
    }
    answers = {}
    for name, call in calls.items():
        with pytest.raises(NotFound) as refused:
            call()
        answers[name] = type(refused.value).__name__
    assert answers["capture"] == answers["get_hold"] == "HoldNotFound"
    assert answers["pop_code"] == "PoolNotFound" and answers["get_campaign"] == "CampaignNotFound"
    assert answers["put_offer"] == "StoreNotFound" and answers["redeem"] == "VoucherNotFound"

    with pytest.raises(NoCampaignAvailable):
        engine.issue_for_trigger(g, category="x", distributor="d")
    assert engine.expire_hold(g, hold.hold_id) is None
    assert (engine.list_campaigns(g), engine.list_pools(g), engine.list_stores(g), engine.list_offers(g)) == (
        [],
        [],
        [],
        [],
    )
    assert engine.events(g) == []
    after = (
        snapshot(code="ACME-1"),
        engine.pool_status("acme", "pool"),
        engine.get_campaign("acme", "camp"),
        engine.get_hold("acme", hold.hold_id),
    )
    assert after == before


def test_a_write_naming_another_tenants_objects_is_not_found_and_stores_nothing(engine):
    """An offer's pool, a voucher's campaign, offer and stores: each must be the writer's own.
    Stored unchecked, globex's voucher would point at acme's campaign (or its offer, its shop)
    and whatever follows the reference would read across tenants."""
    engine.create_pool("acme", "pool")
    engine.put_campaign("acme", "camp", name="C", pool_id="pool")
    engine.put_store(Store("shop", "acme", "Shop"))
    engine.put_offer(Offer("offer", "acme", "shop", "O", "EUR", denominations=(1000,)))
    engine.put_store(Store("own", "globex", "Globex shop"))  # globex's own store, to name it
    spec = VoucherSpec(VoucherKind.MONETARY, Money(1000, "EUR"))
    writes = {
        "offer on acme's pool": lambda: engine.put_offer(
            Offer("o", "globex", "own", "O", "EUR", denominations=(1000,), pool_id="pool")
        ),
        "voucher of acme's campaign": lambda: engine.issue("globex", spec, campaign_id="camp"),
        "voucher of acme's offer": lambda: engine.issue("globex", spec, offer_id="offer"),
        "voucher redeemable at acme's shop": lambda: engine.issue(
            "globex", VoucherSpec(VoucherKind.MONETARY, Money(1000, "EUR"), redeemable_at=("own", "shop"))
        ),
    }
    answers = {}
    for name, write in writes.items():
        with pytest.raises(NotFound) as refused:
            write()
        answers[name] = type(refused.value).__name__
    assert answers == {
        "offer on acme's pool": "PoolNotFound",
        "voucher of acme's campaign": "CampaignNotFound",
        "voucher of acme's offer": "OfferNotFound",
        "voucher redeemable at acme's shop": "StoreNotFound",
    }
    assert engine.list_offers("globex", active_only=False) == [] and engine.events("globex") == []
    # The writer's own objects are accepted: the check looks in the writer's tenant, not nowhere.
    engine.create_pool("globex", "pool")
    assert (
        engine.put_offer(Offer("o", "globex", "own", "O", "EUR", denominations=(1000,), pool_id="pool")).pool_id
        == "pool"
    )
    assert engine.issue("globex", spec, offer_id="o").offer_id == "o"
