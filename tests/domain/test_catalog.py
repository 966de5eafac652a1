import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voucher_engine.domain.catalog import Offer, Quote
from voucher_engine.domain.money import Money
from voucher_engine.errors import CurrencyMismatch, InvalidAmount, ValidationError


def offer(**kwargs) -> Offer:
    return Offer(**{"id": "o1", "tenant_id": "acme", "store_id": "s1", "name": "Gift", "currency": "EUR", **kwargs})


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"denominations": (1000,), "min_value": 100, "max_value": 200},
        {"min_value": 100},
        {"max_value": 100},
        {"min_value": 200, "max_value": 100},
        {"min_value": 0, "max_value": 100},
        {"denominations": (1000, 0)},
        {"denominations": (-5,)},
        {"min_value": 100, "max_value": 200, "step": 0},
        {"denominations": (1000,), "discount_bp": 10_000},
        {"denominations": (1000,), "discount_bp": -1},
    ],
)
def test_invalid_offers(kwargs):
    with pytest.raises(ValidationError):
        offer(**kwargs)


def test_price_of_rounds_the_discount_down():
    assert offer(denominations=(1000,)).price_of(1000) == 1000
    five_percent = offer(denominations=(1000,), discount_bp=500)
    assert five_percent.price_of(1000) == 950
    # 5 % of 9.99 is 0.4995: the discount given is 0.49, never more than advertised.
    assert five_percent.price_of(999) == 950
    assert offer(denominations=(1000,), discount_bp=9999).price_of(1000) == 1


def test_accepts_denominations_or_steps_of_a_range():
    fixed = offer(denominations=(1000, 2500))
    assert [fixed.accepts(v) for v in (1000, 2500, 2000)] == [True, True, False]
    ranged = offer(min_value=1000, max_value=5000, step=500)
    assert [ranged.accepts(v) for v in (1000, 1500, 5000, 1250, 500, 5500)] == [True, True, True, False, False, False]


def test_quote_by_value():
    sale = offer(denominations=(1000, 2000), discount_bp=1000)
    assert sale.quote_by_value(eur(2000)) == Quote(eur(2000), eur(1800))
    with pytest.raises(InvalidAmount):
        sale.quote_by_value(eur(1500))
    with pytest.raises(CurrencyMismatch):
        sale.quote_by_value(Money(2000, "USD"))


def test_quote_by_price_finds_the_largest_face_with_that_exact_price():
    sale = offer(denominations=(1000, 2000, 5000), discount_bp=500)
    assert sale.quote_by_price(eur(1900)) == Quote(eur(2000), eur(1900))
    with pytest.raises(InvalidAmount):
        sale.quote_by_price(eur(1901))
    # At 50 % off, faces 3 and 4 both cost 2 (the discount rounds down): the larger one wins.
    half = offer(min_value=1, max_value=10, discount_bp=5000)
    assert half.price_of(3) == half.price_of(4) == 2
    assert half.quote_by_price(eur(2)) == Quote(eur(4), eur(2))
    with pytest.raises(CurrencyMismatch):
        half.quote_by_price(Money(2, "GBP"))


def test_proposals_of_denominations_are_affordable_and_largest_first():
    sale = offer(denominations=(500, 1000, 2000, 5000), discount_bp=1000)
    assert sale.proposals(eur(1800)) == [
        Quote(eur(2000), eur(1800)),
        Quote(eur(1000), eur(900)),
        Quote(eur(500), eur(450)),
    ]
    assert sale.proposals(eur(1800), limit=1) == [Quote(eur(2000), eur(1800))]
    assert sale.proposals(eur(449)) == []
    with pytest.raises(CurrencyMismatch):
        sale.proposals(Money(1800, "USD"))


def test_proposals_of_a_range_walk_down_the_steps():
    ranged = offer(min_value=1000, max_value=10_000, step=250)
    assert [q.face.minor for q in ranged.proposals(eur(2100), limit=5)] == [2000, 1750, 1500, 1250, 1000]
    assert [q.face.minor for q in ranged.proposals(eur(50_000), limit=2)] == [10_000, 9750]
    assert ranged.proposals(eur(999)) == []
    assert ranged.proposals(eur(0)) == []


@st.composite
def offers(draw) -> Offer:
    discount = draw(st.sampled_from([0, 1, 333, 500, 2500, 5000, 9999]))
    if draw(st.booleans()):
        faces = draw(st.lists(st.integers(1, 20_000), min_size=1, max_size=8, unique=True))
        return offer(denominations=tuple(faces), discount_bp=discount)
    low = draw(st.integers(1, 5000))
    high = draw(st.integers(low, low + 3000))
    return offer(min_value=low, max_value=high, step=draw(st.integers(1, 700)), discount_bp=discount)


@settings(max_examples=300, deadline=None)
@given(offers(), st.integers(-100, 30_000), st.integers(1, 12))
def test_proposals_never_exceed_the_budget_and_miss_nothing_better(sale, budget, limit):
    quotes = sale.proposals(eur(budget), limit=limit)
    faces = [q.face.minor for q in quotes]
    assert len(quotes) <= limit
    assert faces == sorted(set(faces), reverse=True)
    for quote in quotes:
        assert quote.price.minor <= budget
        assert quote.price.minor == sale.price_of(quote.face.minor)
        assert sale.accepts(quote.face.minor)
    # Brute force: the proposals are exactly the `limit` largest affordable faces.
    affordable = sorted((f for f in sale.face_values(None) if sale.price_of(f) <= budget), reverse=True)
    assert faces == affordable[:limit]
