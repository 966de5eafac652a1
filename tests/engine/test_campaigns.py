from datetime import timedelta

import pytest

from voucher_engine.errors import CampaignNotFound, NoCampaignAvailable, PoolNotFound, ValidationError


def test_issue_for_trigger_follows_the_documented_order(engine, clock):
    now = clock.now()
    for pool, codes in {"pa": ["A1", "A2"], "pb": ["B1"], "pc": ["C1", "C2", "C3"], "pl": ["L1"]}.items():
        engine.create_pool("acme", pool)
        engine.add_codes("acme", pool, codes)
    common = {"trigger_categories": ["shoes", "bags"], "distributors": ["d1", "d9"]}
    engine.put_campaign("acme", "a", name="A", pool_id="pa", priority=1, ends_at=now + timedelta(days=10), **common)
    engine.put_campaign("acme", "b", name="B", pool_id="pb", priority=1, ends_at=now + timedelta(days=5), **common)
    engine.put_campaign("acme", "c", name="C", pool_id="pc", cap=2, **common)
    engine.put_campaign(
        "acme", "later", name="L", pool_id="pl", priority=9, starts_at=now + timedelta(days=1), **common
    )
    engine.put_campaign(
        "acme", "d2-only", name="D2", pool_id="pl", priority=9, trigger_categories=["shoes"], distributors=["d2"]
    )
    engine.put_campaign("acme", "no-pool", name="N", pool_id=None, priority=9, **common)

    def trigger(**kwargs):
        issue = engine.issue_for_trigger("acme", category="shoes", distributor="d1", **kwargs)
        return issue.campaign_id, issue.code

    first = engine.issue_for_trigger("acme", category="shoes", distributor="d1", reference="r1")
    assert (first.campaign_id, first.code, first.pool_id, first.seq) == ("b", "B1", "pb", 1)
    assert (first.expires_at, first.issued_at) == (now + timedelta(days=5), now)  # ends soonest
    assert trigger() == ("a", "A1")  # b's pool is empty: the next in order answers
    assert trigger() == ("a", "A2")
    assert trigger(reference="r1") == ("b", "B1")  # a reference keeps its code
    assert trigger(reference="rc") == ("c", "C1")
    assert trigger(reference="rc") == ("c", "C1")
    assert engine.get_campaign("acme", "c").issued == 1  # a repeated reference issues nothing new
    assert trigger() == ("c", "C2")
    with pytest.raises(NoCampaignAvailable):  # c is capped, though its pool still has C3
        trigger()
    assert trigger(reference="rc") == ("c", "C1")  # still answered after its campaign is capped
    assert engine.pool_status("acme", "pc").remaining == 1
    assert engine.pool_status("acme", "pb").issued == 1

    raised = engine.put_campaign("acme", "c", name="C+", pool_id="pc", cap=3, **common)
    assert (raised.name, raised.cap, raised.issued) == ("C+", 3, 2)  # an update keeps the count
    assert trigger() == ("c", "C3")

    clock.advance(timedelta(days=1))  # "later" starts now and has the highest priority
    assert trigger() == ("later", "L1")
    with pytest.raises(NoCampaignAvailable):
        trigger()
    with pytest.raises(NoCampaignAvailable):
        engine.issue_for_trigger("acme", category="hats", distributor="d1")

    issued = engine.events("acme", type="pool.code_issued")
    assert [e.payload["campaign_id"] for e in issued] == ["b", "a", "a", "c", "c", "c", "later"]
    assert len(engine.events("acme", type="pool.depleted")) == 4  # pb, pa, pc, pl: once each
    assert [c.id for c in engine.list_campaigns("acme")] == ["a", "b", "c", "d2-only", "later", "no-pool"]


def test_campaign_validation_and_lookups(engine, clock):
    now = clock.now()
    with pytest.raises(ValidationError):
        engine.put_campaign("acme", "x", name="X", pool_id=None, cap=-1)
    with pytest.raises(ValidationError):
        engine.put_campaign("acme", "x", name="X", pool_id=None, starts_at=now, ends_at=now)
    with pytest.raises(CampaignNotFound):
        engine.get_campaign("acme", "x")
    engine.create_pool("acme", "p")
    engine.add_codes("acme", "p", ["P1"])
    engine.put_campaign(
        "acme",
        "x",
        name="X",
        pool_id="p",
        ends_at=now + timedelta(hours=1),
        trigger_categories=["shoes"],
        distributors=["d1"],
    )
    clock.advance(timedelta(hours=1))  # the end is exclusive
    with pytest.raises(NoCampaignAvailable):
        engine.issue_for_trigger("acme", category="shoes", distributor="d1")
    with pytest.raises(PoolNotFound):
        engine.put_campaign("acme", "ghost", name="G", pool_id="missing")
    with pytest.raises(PoolNotFound):  # another tenant's pool is no pool at all
        engine.put_campaign("globex", "ghost", name="G", pool_id="p")
    with pytest.raises(CampaignNotFound):
        engine.get_campaign("acme", "ghost")
