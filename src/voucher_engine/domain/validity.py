"""When a voucher may be used: one or more windows, resolved to UTC instants at issue time.

A template describes windows relative to issue ("valid 30 days after issue", "until the end of
that day in Europe/Vienna"); ``resolve`` turns them into absolute windows that are stored with
the voucher, so that a later change of a campaign never moves a voucher's expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from voucher_engine.errors import InvalidRedemptionTime, ValidationError, VoucherExpired, VoucherNotYetValid


def require_aware(value: datetime, name: str = "datetime") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{name} must carry a time zone: {value.isoformat()}")
    return value.astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown time zone {name!r}") from None


def end_of_day(day: date, tz: str) -> datetime:
    """The last instant of ``day`` in ``tz`` (exclusive end: midnight of the next day)."""
    return datetime.combine(day + timedelta(days=1), time(0), zone(tz)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Window:
    """``[start, end)`` in UTC; ``None`` means open on that side."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, require_aware(value, name))
        if self.start and self.end and self.end <= self.start:
            raise ValidationError("a validity window must end after it starts")

    def contains(self, at: datetime) -> bool:
        return (self.start is None or self.start <= at) and (self.end is None or at < self.end)

    def to_json(self) -> dict[str, str | None]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, str | None]) -> Window:
        def parse(v: str | None) -> datetime | None:
            return datetime.fromisoformat(v) if v else None

        return cls(parse(data.get("from")), parse(data.get("to")))


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """A window as a template states it, relative to the moment of issue.

    - ``start``/``end``: absolute instants;
    - ``days_after_issue``: ends that many days after issue;
    - ``end_of_day_in``: round the end up to the end of its day in that time zone.
    """

    start: datetime | None = None
    end: datetime | None = None
    days_after_issue: int | None = None
    end_of_day_in: str | None = None

    def __post_init__(self) -> None:
        # Refuse naive instants here, when the template is written, not at some later issue.
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, require_aware(value, name))
        if self.end is not None and self.days_after_issue is not None:
            raise ValidationError("give either an end or days_after_issue, not both")
        if self.days_after_issue is not None and self.days_after_issue < 0:
            raise ValidationError("days_after_issue must not be negative")
        if self.end_of_day_in is not None:
            zone(self.end_of_day_in)

    def resolve(self, issued_at: datetime) -> Window:
        end = self.end
        if self.days_after_issue is not None:
            end = issued_at + timedelta(days=self.days_after_issue)
        if end is not None and self.end_of_day_in is not None:
            end = end_of_day(require_aware(end).astimezone(zone(self.end_of_day_in)).date(), self.end_of_day_in)
        return Window(self.start, end)


def resolve_all(specs: tuple[WindowSpec, ...], issued_at: datetime) -> tuple[Window, ...]:
    return tuple(spec.resolve(issued_at) for spec in specs) or (Window(),)


def check_valid(windows: tuple[Window, ...], at: datetime) -> None:
    """Raise unless ``at`` falls in one of ``windows``."""
    if any(w.contains(at) for w in windows):
        return
    if any(w.start is not None and at < w.start for w in windows):
        raise VoucherNotYetValid("the voucher is not valid yet")
    raise VoucherExpired("the voucher has expired")


def stated_time(windows: tuple[Window, ...], at: datetime, now: datetime) -> datetime:
    """Check a stated redemption time: not in the future, inside one of ``windows``."""
    at = require_aware(at, "at")
    if at > now:
        raise InvalidRedemptionTime("a redemption cannot be stated in the future", at=at)
    if not any(w.contains(at) for w in windows):
        raise InvalidRedemptionTime("the stated time is outside the voucher's validity", at=at)
    return at


def expires_at(windows: tuple[Window, ...]) -> datetime | None:
    """The instant after which no window can ever apply again (``None``: never)."""
    if any(w.end is None for w in windows):
        return None
    return max(w.end for w in windows if w.end is not None)
