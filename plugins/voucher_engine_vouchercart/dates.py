"""The seed's three date formats, all in UTC (the seed names no time zone; its samples say
``+0000``):

- instants in responses (expirations, redeemHistory, order dates): ``2016-12-02T07:57:29+0000``;
- a user's ``createdAt``: ``20/11/2018 06:22`` (dd/MM/yyyy HH:mm);
- the ``redeemDate`` a client sends: ``2015-12-05 13:37`` (YYYY-MM-DD HH:MM; the seed's table
  says "HH:SS", its curl and the word "datetime" say hours and minutes).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

REDEEM_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$", re.ASCII)


def instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def optional_instant(value: datetime | None) -> str | None:
    return instant(value) if value is not None else None


def created_at(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%d/%m/%Y %H:%M")


def parse_redeem_date(text: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM`` as a UTC instant, or ``None`` when it is not one (wrong shape, or
    no such day or time)."""
    match = REDEEM_DATE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, tzinfo=UTC)
    except ValueError:
        return None
