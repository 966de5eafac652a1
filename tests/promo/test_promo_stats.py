"""Every issuance records distributor, terminal, category, product and time; the counts by
campaign, category, product and distributor come from those records, on both backends."""

from __future__ import annotations

from datetime import timedelta

from promo_support import PATH, SEED_NOW, add_campaign, bearer, body, new_distributor

from voucher_engine.engine.issuance_stats import issuance_stats


def test_counts_by_campaign_category_product_and_distributor(client, token, promo_engine, promo_clock):
    add_campaign(
        promo_engine,
        "acme",
        "CAMP-GAMING",
        ["GAM-1", "GAM-2"],
        categories=["GAM"],
        distributors=["DIST-001", "DIST-002"],
    )
    second = new_distributor(promo_engine, "acme", "DIST-002")
    promo_engine.create_tenant("globex")
    add_campaign(promo_engine, "globex", "CAMP-GLOBEX", ["GLOBEX-1"])
    globex = new_distributor(promo_engine, "globex", "DIST-001")
    sent = [
        (token, body()),
        (token, body(trigger_product_id=None)),
        (token, body(trigger_category_id="GAM", trigger_product_id="SteamCard")),
        (second, body(distributor_id="DIST-002", trigger_category_id="GAM", trigger_product_id="SteamCard")),
        (token, body(trigger_category_id="GAM")),  # GAM is used up: a 409, not counted
        (globex, body()),
    ]
    statuses = []
    for who, raw in sent:
        statuses.append(client.post(PATH, content=raw, headers=bearer(who)).status_code)
        promo_clock.advance(timedelta(minutes=1))
    assert statuses == [200, 200, 200, 200, 409, 200]

    assert issuance_stats(promo_engine, "acme") == {
        "total": 4,
        "by_campaign": [
            {"tenant": "acme", "campaign": "CAMP-BETATHOME-001", "issued": 2},
            {"tenant": "acme", "campaign": "CAMP-GAMING", "issued": 2},
        ],
        "by_category": [
            {"tenant": "acme", "category": "GAM", "issued": 2},
            {"tenant": "acme", "category": "PAY", "issued": 2},
        ],
        "by_product": [
            {"tenant": "acme", "product": "SteamCard", "issued": 2},
            {"tenant": "acme", "product": "PaysafeCard", "issued": 1},
            {"tenant": "acme", "product": None, "issued": 1},
        ],
        "by_distributor": [
            {"tenant": "acme", "distributor": "DIST-001", "issued": 3},
            {"tenant": "acme", "distributor": "DIST-002", "issued": 1},
        ],
    }
    everyone = issuance_stats(promo_engine)
    assert everyone["total"] == 5
    assert everyone["by_campaign"][-1] == {"tenant": "globex", "campaign": "CAMP-GLOBEX", "issued": 1}
    # [since, until): the second and third requests only.
    window = issuance_stats(
        promo_engine, "acme", since=SEED_NOW + timedelta(minutes=1), until=SEED_NOW + timedelta(minutes=3)
    )
    assert window["by_category"] == [
        {"tenant": "acme", "category": "GAM", "issued": 1},
        {"tenant": "acme", "category": "PAY", "issued": 1},
    ]
