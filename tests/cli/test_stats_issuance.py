"""``voucher-engine stats --issuance``: which campaigns, categories, products and distributors
drive claims (issue 4), counted from what was really handed out."""

from __future__ import annotations

import json

from cli_helpers import cli, ok

from voucher_engine import CodeFormat


def test_issuance_counts_by_every_dimension(engine, database_url):
    engine.create_pool("acme", "bet", code_format=CodeFormat("BET-XXX-######"))
    engine.generate_codes("acme", "bet", 10)
    engine.put_campaign(
        "acme",
        "CAMP-1",
        name="Bet",
        pool_id="bet",
        trigger_categories={"PAY", "GAM"},
        distributors={"DIST-1", "DIST-2"},
    )
    for category, distributor, product in [
        ("PAY", "DIST-1", "PaysafeCard"),
        ("PAY", "DIST-2", "PaysafeCard"),
        ("GAM", "DIST-1", None),
    ]:
        attributes = {"product": product} if product else {}
        engine.issue_for_trigger("acme", category=category, distributor=distributor, attributes=attributes)

    counts = json.loads(ok(cli("stats", "--issuance", "--json", "--tenant", "acme", "--url", database_url)).stdout)
    assert counts["total"] == 3
    assert counts["by_campaign"] == [{"tenant": "acme", "campaign": "CAMP-1", "issued": 3}]
    assert counts["by_category"] == [
        {"tenant": "acme", "category": "PAY", "issued": 2},
        {"tenant": "acme", "category": "GAM", "issued": 1},
    ]
    assert counts["by_product"] == [
        {"tenant": "acme", "product": "PaysafeCard", "issued": 2},
        {"tenant": "acme", "product": None, "issued": 1},
    ]
    assert counts["by_distributor"] == [
        {"tenant": "acme", "distributor": "DIST-1", "issued": 2},
        {"tenant": "acme", "distributor": "DIST-2", "issued": 1},
    ]
    table = ok(cli("stats", "--issuance", "--url", database_url)).stdout
    assert "codes issued by campaigns: 3" in table and "PaysafeCard" in table
