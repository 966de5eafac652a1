from datetime import timedelta

import pytest

from voucher_engine.domain.holds import LockPolicy, capture_split, hold_ttl
from voucher_engine.errors import InvalidAmount, LockPeriodOutOfRange, ValidationError


@pytest.mark.parametrize(
    ("amount", "capture", "split"),
    [(1000, None, (1000, 0)), (1000, 1000, (1000, 0)), (1000, 300, (300, 700)), (1000, 1, (1, 999))],
)
def test_capture_split(amount, capture, split):
    assert capture_split(amount, capture) == split


@pytest.mark.parametrize("capture", [0, -1, 1001, True, 10.0])
def test_capture_split_refuses_what_the_hold_does_not_cover(capture):
    with pytest.raises(InvalidAmount):
        capture_split(1000, capture)


def test_hold_ttl_bounds():
    maximum = timedelta(days=7)
    assert hold_ttl(maximum, maximum=maximum) == maximum
    assert hold_ttl(timedelta(seconds=1), maximum=maximum) == timedelta(seconds=1)
    for ttl in (timedelta(0), timedelta(seconds=-1), maximum + timedelta(microseconds=1)):
        with pytest.raises(ValidationError):
            hold_ttl(ttl, maximum=maximum)


def test_lock_policy_defaults_to_spaaza_bounds():
    policy = LockPolicy()
    assert policy.period(None) == timedelta(seconds=300)
    assert policy.period(timedelta(seconds=120)) == timedelta(seconds=120)
    assert policy.period(timedelta(seconds=3600)) == timedelta(seconds=3600)
    for seconds in (119, 3601, 0, -300):
        with pytest.raises(LockPeriodOutOfRange) as refused:
            policy.period(timedelta(seconds=seconds))
        assert refused.value.details == {"minimum": timedelta(seconds=120), "maximum": timedelta(seconds=3600)}


def test_lock_policy_default_must_lie_within_bounds():
    with pytest.raises(ValidationError):
        LockPolicy(default=timedelta(seconds=60))
    with pytest.raises(ValidationError):
        LockPolicy(minimum=timedelta(seconds=10), maximum=timedelta(seconds=100), default=timedelta(seconds=101))
    custom = LockPolicy(minimum=timedelta(seconds=10), maximum=timedelta(seconds=100), default=timedelta(seconds=10))
    assert custom.period(None) == timedelta(seconds=10)
