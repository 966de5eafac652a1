import random
from datetime import UTC, datetime

from voucher_engine.domain.campaigns import Campaign, match_order, matching
from voucher_engine.domain.validity import Window

NOW = datetime(2030, 6, 1, tzinfo=UTC)


def campaign(id: str, *, priority: int = 0, end: datetime | None = None, **kwargs) -> Campaign:
    defaults = {
        "tenant_id": "acme",
        "name": id,
        "pool_id": f"pool-{id}",
        "window": Window(None, end),
        "trigger_categories": frozenset({"shoes"}),
        "distributors": frozenset({"d1"}),
    }
    return Campaign(id=id, priority=priority, **{**defaults, **kwargs})


def test_matches_category_distributor_window_and_cap():
    live = campaign("c")
    assert live.matches(category="shoes", distributor="d1", at=NOW)
    assert not live.matches(category="hats", distributor="d1", at=NOW)
    assert not live.matches(category="shoes", distributor="d2", at=NOW)
    later = campaign("c", window=Window(datetime(2030, 7, 1, tzinfo=UTC)))
    assert not later.matches(category="shoes", distributor="d1", at=NOW)
    ended = campaign("c", window=Window(None, NOW))
    assert not ended.matches(category="shoes", distributor="d1", at=NOW)
    assert campaign("c", cap=3, issued=2).matches(category="shoes", distributor="d1", at=NOW)
    assert not campaign("c", cap=3, issued=3).matches(category="shoes", distributor="d1", at=NOW)
    assert not campaign("c", cap=0).matches(category="shoes", distributor="d1", at=NOW)


def test_match_order_priority_then_earliest_end_then_id():
    soon, later = datetime(2030, 7, 1, tzinfo=UTC), datetime(2030, 9, 1, tzinfo=UTC)
    expected = [
        campaign("z-urgent", priority=5, end=later),
        campaign("b", priority=1, end=soon),
        campaign("a", priority=1, end=later),
        campaign("c", priority=1, end=later),
        campaign("a-open", priority=1, end=None),
        campaign("b-open", priority=1, end=None),
        campaign("a-low", priority=0, end=soon),
    ]
    for seed in range(20):
        shuffled = expected[:]
        random.Random(seed).shuffle(shuffled)
        assert [c.id for c in sorted(shuffled, key=match_order)] == [c.id for c in expected]
        assert [c.id for c in matching(shuffled, category="shoes", distributor="d1", at=NOW)] == [
            c.id for c in expected
        ]


def test_matching_drops_what_does_not_match():
    found = matching(
        [
            campaign("a"),
            campaign("b", distributors=frozenset({"d2"})),
            campaign("c", cap=1, issued=1),
            campaign("d", priority=1),
        ],
        category="shoes",
        distributor="d1",
        at=NOW,
    )
    assert [c.id for c in found] == ["d", "a"]
