"""docs/providers/promo.md runs: its fixtures file loads and serves its sample request, and its
error table lists exactly the statuses and messages the provider answers with."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from litestar.testing import TestClient
from promo_support import PATH, SEED_BODY, bearer, new_distributor, open_promo_engine

from voucher_engine import ManualClock
from voucher_engine.fixtures import apply, read_fixtures
from voucher_engine_litestar import create_app
from voucher_engine_promo.errors import ANSWERS

PAGE = Path(__file__).resolve().parents[2] / "docs/providers/promo.md"


def _block(language: str) -> str:
    [block] = re.findall(rf"^```{language}\n(.*?)^```$", PAGE.read_text(), re.S | re.M)
    return block


def _curl_body() -> bytes:
    """The -d payload of the page's sample cURL."""
    return re.search(r"^curl \\\n.*?-d '(.*?)'\n```", PAGE.read_text(), re.S | re.M)[1].encode()


def test_the_fixtures_file_and_the_sample_request(promo_url, tmp_path):
    assert _curl_body() == SEED_BODY  # the seed's request, as the seed writes it
    fixture = tmp_path / "promo.toml"
    fixture.write_text(_block("toml"))
    with open_promo_engine(promo_url, ManualClock(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))) as engine:
        apply(engine, read_fixtures(fixture, engine))
        assert engine.pool_status("acme", "betathome").low_stock_threshold == 100
        token = new_distributor(engine, "acme", "DIST-001")
        with TestClient(create_app(engine, mounts={"promo": "/"})) as client:
            response = client.post(PATH, content=_curl_body(), headers=bearer(token))
    assert response.json() == {
        "campaign_id": "CAMP-BETATHOME-001",
        "voucher_code": "BET-ABC-123456",
        "expiry_date": "2030-12-31T23:59:59Z",
        "issued_at": "2026-01-02T03:04:05Z",
    }


def test_the_error_table_matches_the_provider():
    rows = set(re.findall(r"^\| (\d{3}) \| `([a-z ]+)` \|", PAGE.read_text(), re.M))
    assert rows == {(str(status), message) for status, message in ANSWERS.values()}
