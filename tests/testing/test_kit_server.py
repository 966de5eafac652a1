"""The kit's server fixture: a real process, the chosen provider at the chosen prefixes, and a
clock the test moves (the server's engine reads it: ``issued_at`` in the promo answer shows it)."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

import pytest

import voucher_engine_promo
from voucher_engine.identity import Identity

PATH = "/api/v1/voucher/request"
BODY = {"distributor_id": "DIST-001", "terminal_id": "T-1", "trigger_category_id": "PAY"}
START = datetime(2025, 10, 29, 10, 15, 30, tzinfo=UTC)


@pytest.fixture
def ve_plugins():
    return [voucher_engine_promo]


@pytest.fixture
def token(ve_engine) -> str:
    ve_engine.create_tenant("acme")
    ve_engine.create_pool("acme", "pool")
    ve_engine.add_codes("acme", "pool", ["CODE-1", "CODE-2", "CODE-3"])
    ve_engine.put_campaign(
        "acme", "CAMP", name="camp", pool_id="pool", trigger_categories=["PAY"], distributors=["DIST-001"]
    )
    return Identity(ve_engine).distributors.create_distributor("acme", "DIST-001")


def test_the_server_mounts_the_chosen_provider_at_the_chosen_prefixes_and_follows_the_clock(ve_server, ve_clock, token):
    ve_clock.set(START)
    server = ve_server(mounts={"promo": ["/", "/partner"]})
    auth = {"Authorization": f"Bearer {token}"}

    first = server.request("POST", PATH, json_body=BODY, headers=auth)
    assert (first.status, first.json()["voucher_code"], first.json()["issued_at"]) == (
        200,
        "CODE-1",
        "2025-10-29T10:15:30Z",
    )

    ve_clock.advance(timedelta(days=2, seconds=5))
    second = server.request("POST", "/partner" + PATH, json_body=BODY, headers=auth)
    assert (second.status, second.json()["voucher_code"], second.json()["issued_at"]) == (
        200,
        "CODE-2",
        "2025-10-31T10:15:35Z",
    )

    # Only the chosen provider: the admin plugin (an installed entry point) is not served.
    assert server.request("GET", "/admin/tenant").status == 404
    assert server.request("GET", "/promo" + PATH).status == 404  # moved from its default prefix
    assert server.stop() == -signal.SIGTERM


@pytest.mark.parametrize("ve_backend", ["sqlite"])
def test_without_the_test_clock_the_server_keeps_real_time(ve_server, ve_clock, token):
    ve_clock.set(START)
    server = ve_server(clock=None, mounts={"promo": "/"})
    issued = server.request("POST", PATH, json_body=BODY, headers={"Authorization": f"Bearer {token}"})
    issued_at = datetime.fromisoformat(issued.json()["issued_at"].replace("Z", "+00:00"))
    assert abs(issued_at - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize("ve_backend", ["sqlite"])
def test_a_server_that_cannot_start_fails_the_test_with_its_log(ve_server, ve_database_url):
    with pytest.raises(AssertionError, match="exited with") as failure:
        ve_server(mounts={"promo": "nowhere"})
    assert "is not name=/prefix" in str(failure.value)
