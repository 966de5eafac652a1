"""Issuing each kind of voucher, with validity windows, a PIN, stores, tax flags and metadata."""

import os
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from voucher_engine import (
    CodeFormat, Engine, ManualClock, Money, Store, VoucherKind, VoucherSpec, WindowSpec,
)

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
clock = ManualClock(datetime(2031, 3, 10, 14, 0, tzinfo=UTC))

with Engine.open(url, clock=clock) as engine:
    engine.create_tenant("shop")
    for store in ("vienna-1", "shop.example.com"):  # a voucher names only stores that exist
        engine.put_store(Store(store, "shop", store))

    # Monetary: a balance in minor units of one currency, spent in parts.
    gift = engine.issue("shop", VoucherSpec(
        VoucherKind.MONETARY, Money.parse("100.00", "EUR"),
        validity=(WindowSpec(days_after_issue=365, end_of_day_in="Europe/Vienna"),),
        redeemable_at=("vienna-1", "shop.example.com"),
        pin="4711", taxable=True, tax_rate=Decimal("20"),
        metadata={"order": "A-1001"},
    ), code="GIFT-2031-0001")
    print(gift.code, gift.kind, gift.balance(), gift.state)
    # 365 days on (2032 is a leap year), then to the end of that day in Vienna, stored in UTC.
    print("expires:", gift.expires_at.isoformat())
    print("pin stored hashed:", gift.pin_hash.startswith("scrypt$"))

    # Multi-use: N uses; a currency may say what a use is worth in.
    visits = engine.issue("shop", VoucherSpec(VoucherKind.MULTI_USE, 10, currency="GBP"),
                          code_format=CodeFormat("GYM-####-####"))
    print(visits.code[:4], visits.kind, visits.balance(), visits.currency)

    # Single-use: exactly one use, valid in two windows (absolute instants, time-zone aware).
    concert = datetime(2031, 3, 14, 18, 0, tzinfo=UTC)
    ticket = engine.issue("shop", VoucherSpec(VoucherKind.SINGLE_USE, validity=(
        WindowSpec(start=concert, end=concert + timedelta(hours=4)),
        WindowSpec(start=concert + timedelta(days=7), end=concert + timedelta(days=7, hours=4)),
    )))
    print(len(ticket.code), ticket.kind, ticket.balance(), len(ticket.windows), "windows")

    # Codes are unique within a tenant.
    try:
        engine.issue("shop", VoucherSpec(VoucherKind.SINGLE_USE), code="GIFT-2031-0001")
    except Exception as error:
        print(type(error).__name__, error.code)

# Output:
# GIFT-2031-0001 monetary 100.00 EUR available
# expires: 2032-03-09T23:00:00+00:00
# pin stored hashed: True
# GYM- multi_use 10 GBP
# 19 single_use 1 2 windows
# AlreadyExists already_exists
