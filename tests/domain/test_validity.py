from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from voucher_engine.domain.validity import (
    Window,
    WindowSpec,
    check_valid,
    end_of_day,
    expires_at,
    resolve_all,
)
from voucher_engine.errors import ValidationError, VoucherExpired, VoucherNotYetValid


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


VIENNA = "Europe/Vienna"


def test_window_is_half_open():
    window = Window(utc(2030, 1, 1), utc(2030, 2, 1))
    assert window.contains(utc(2030, 1, 1))
    assert window.contains(utc(2030, 1, 31, 23, 59, 59))
    assert not window.contains(utc(2030, 2, 1))
    assert not window.contains(utc(2029, 12, 31, 23, 59, 59))


def test_open_sides():
    assert Window().contains(utc(1970, 1, 1))
    assert Window(start=utc(2030, 1, 1)).contains(utc(2999, 1, 1))
    assert not Window(end=utc(2030, 1, 1)).contains(utc(2030, 1, 1))


def test_window_normalises_to_utc_and_refuses_naive_or_empty():
    plus_two = timezone(timedelta(hours=2))
    window = Window(datetime(2030, 1, 1, 12, tzinfo=plus_two))
    assert window.start == utc(2030, 1, 1, 10) and window.start.tzinfo is UTC
    with pytest.raises(ValidationError, match="time zone"):
        Window(datetime(2030, 1, 1))
    with pytest.raises(ValidationError, match="time zone"):
        Window(end=datetime(2030, 1, 1))
    with pytest.raises(ValidationError, match="end after it starts"):
        Window(utc(2030, 1, 1), utc(2030, 1, 1))


def test_window_json_round_trip():
    for window in (Window(), Window(utc(2030, 1, 1)), Window(utc(2030, 1, 1), utc(2030, 3, 1, 12, 30))):
        assert Window.from_json(window.to_json()) == window


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (date(2030, 3, 30), utc(2030, 3, 30, 23)),  # CET: UTC+1
        (date(2030, 3, 31), utc(2030, 3, 31, 22)),  # clocks go forward: a 23-hour day, ends in CEST
        (date(2030, 10, 26), utc(2030, 10, 26, 22)),  # CEST: UTC+2
        (date(2030, 10, 27), utc(2030, 10, 27, 23)),  # clocks go back: a 25-hour day, ends in CET
    ],
)
def test_end_of_day_in_vienna_across_dst(day, end):
    assert end_of_day(day, VIENNA) == end


def test_end_of_day_uses_the_local_day_not_the_utc_day():
    # 23:30 UTC on 30 March is already 00:30 on 31 March in Vienna.
    spec = WindowSpec(end=utc(2030, 3, 30, 23, 30), end_of_day_in=VIENNA)
    assert spec.resolve(utc(2030, 1, 1)) == Window(None, utc(2030, 3, 31, 22))


def test_days_after_issue():
    issued = utc(2030, 1, 1, 12)
    assert WindowSpec(days_after_issue=30).resolve(issued) == Window(None, utc(2030, 1, 31, 12))
    # One day after a noon issue, rounded to the end of that Vienna day, across the DST change.
    spec = WindowSpec(days_after_issue=1, end_of_day_in=VIENNA)
    assert spec.resolve(utc(2030, 3, 30, 12)) == Window(None, utc(2030, 3, 31, 22))


def test_window_spec_validation():
    with pytest.raises(ValidationError, match="either an end or days_after_issue"):
        WindowSpec(end=utc(2030, 1, 1), days_after_issue=3)
    with pytest.raises(ValidationError, match="negative"):
        WindowSpec(days_after_issue=-1)
    with pytest.raises(ValidationError, match="unknown time zone"):
        WindowSpec(end=utc(2030, 1, 1), end_of_day_in="Mars/Olympus")
    with pytest.raises(ValidationError, match="end after it starts"):
        WindowSpec(start=utc(2030, 2, 1), days_after_issue=1).resolve(utc(2030, 1, 1))


def test_window_spec_refuses_naive_datetimes():
    with pytest.raises(ValidationError, match="time zone"):
        WindowSpec(start=datetime(2030, 1, 1))
    with pytest.raises(ValidationError, match="time zone"):
        WindowSpec(end=datetime(2030, 1, 1), end_of_day_in=VIENNA)


def test_resolve_all_defaults_to_always():
    assert resolve_all((), utc(2030, 1, 1)) == (Window(),)


def test_check_valid_tells_not_yet_from_expired():
    windows = (Window(utc(2030, 1, 1), utc(2030, 2, 1)), Window(utc(2030, 3, 1), utc(2030, 4, 1)))
    check_valid(windows, utc(2030, 1, 15))
    check_valid(windows, utc(2030, 3, 1))
    with pytest.raises(VoucherNotYetValid):
        check_valid(windows, utc(2029, 12, 31))
    with pytest.raises(VoucherNotYetValid):  # between the windows: a later one still lies ahead
        check_valid(windows, utc(2030, 2, 15))
    with pytest.raises(VoucherExpired):
        check_valid(windows, utc(2030, 4, 1))


def test_expires_at_is_the_last_end_or_never():
    a, b = Window(utc(2030, 1, 1), utc(2030, 2, 1)), Window(None, utc(2030, 5, 1))
    assert expires_at((a, b)) == utc(2030, 5, 1)
    assert expires_at((a, Window(utc(2030, 3, 1)))) is None
