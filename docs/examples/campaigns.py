"""Campaigns: a purchase category and a distributor pick a campaign; it pops a code."""

import os
import tempfile
from datetime import UTC, datetime

from voucher_engine import Engine, ManualClock
from voucher_engine.errors import NoCampaignAvailable

url = os.environ.get("VOUCHER_ENGINE_URL") or f"sqlite:///{tempfile.mkdtemp()}/vouchers.sqlite3"
clock = ManualClock(datetime(2031, 7, 1, 12, 0, tzinfo=UTC))

with Engine.open(url, clock=clock) as engine:
    engine.create_tenant("promo")
    for pool, codes in {"summer": ["SUN-1", "SUN-2", "SUN-3"], "always": ["ANY-1", "ANY-2"]}.items():
        engine.create_pool("promo", pool)
        engine.add_codes("promo", pool, codes)

    engine.put_campaign(
        "promo", "summer-2031", name="Summer", pool_id="summer",
        starts_at=datetime(2031, 6, 1, tzinfo=UTC), ends_at=datetime(2031, 9, 1, tzinfo=UTC),
        trigger_categories=["drinks", "snacks"], distributors=["kiosk-1"], priority=10, cap=2,
    )
    engine.put_campaign("promo", "evergreen", name="All year", pool_id="always",
                        trigger_categories=["drinks"], distributors=["kiosk-1", "kiosk-2"])

    # Higher priority first; a capped or empty campaign passes the trigger to the next one.
    # The idempotency key makes a retried sale (the last one) answer with its first code.
    for reference in ("sale-1", "sale-2", "sale-3", "sale-1"):
        issued = engine.issue_for_trigger("promo", category="drinks", distributor="kiosk-1",
                                          reference=reference, idempotency_key=reference)
        print(reference, issued.campaign_id, issued.code, issued.expires_at)
    for category, distributor in (("snacks", "kiosk-2"), ("drinks", "kiosk-3")):
        try:
            engine.issue_for_trigger("promo", category=category, distributor=distributor)
        except NoCampaignAvailable as error:
            print(category, distributor, "refused:", error.code)
    print("left:", {p.pool_id: p.remaining for p in engine.list_pools("promo")})

# Output:
# sale-1 summer-2031 SUN-1 2031-09-01 00:00:00+00:00
# sale-2 summer-2031 SUN-2 2031-09-01 00:00:00+00:00
# sale-3 evergreen ANY-1 None
# sale-1 summer-2031 SUN-1 2031-09-01 00:00:00+00:00
# snacks kiosk-2 refused: no_campaign_available
# drinks kiosk-3 refused: no_campaign_available
# left: {'always': 1, 'summer': 1}
