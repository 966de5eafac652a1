"""GET /metrics through the real ASGI app: request counts by route template, latencies, and
the engine's figures read from the database at scrape time, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from litestar_support import KEY, by_label, samples

from dbsupport import database_of
from opsauth import METRICS, METRICS_TOKEN, bearer_headers
from voucher_engine import Engine, EngineConfig, Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import DeliverySettings, Webhooks
from voucher_engine.delivery.relay import dispatch_outbox
from voucher_engine.domain.lifecycle import State
from voucher_engine.errors import ValidationError
from voucher_engine_litestar import create_app

REQUESTS = "voucher_engine_http_requests_total"


def test_requests_are_counted_by_route_template_method_and_status(sqlite_engine: Engine) -> None:
    app = create_app(sqlite_engine, mounts={"giftcard": ["/giftcard", "/partner/v2"]}, metrics_token=METRICS_TOKEN)
    with TestClient(app) as client:
        for _ in range(3):
            assert client.get("/giftcard/cards/CARD-1", headers=KEY).status_code == 200
        for code in ("CARD-1", "NOPE"):
            client.get(f"/partner/v2/cards/{code}", headers=KEY)
        assert client.get("/giftcard/cards/CARD-1").status_code == 401
        assert client.get("/health").status_code == 200
        assert client.get("/no/such/route").status_code == 404
        first = client.get("/metrics", headers=METRICS)
        second = client.get("/metrics", headers=METRICS)

    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/plain; version=")
    expected = {
        ("GET", "/giftcard/cards/{code}", "200"): 3.0,
        ("GET", "/giftcard/cards/{code}", "401"): 1.0,
        ("GET", "/partner/v2/cards/{code}", "200"): 1.0,
        ("GET", "/partner/v2/cards/{code}", "404"): 1.0,
        ("GET", "/health", "200"): 1.0,
        # Raw paths never become labels: every routing miss shares one series.
        ("GET", "unmatched", "404"): 1.0,
    }
    assert by_label(first.text, REQUESTS, "method", "route", "status") == expected
    # A scrape is counted once it has been answered, so the next scrape shows it.
    assert by_label(second.text, REQUESTS, "method", "route", "status") == {
        **expected,
        ("GET", "/metrics", "200"): 1.0,
    }


def test_latency_histogram_counts_each_request_of_a_route(sqlite_engine: Engine) -> None:
    with TestClient(create_app(sqlite_engine, metrics_token=METRICS_TOKEN)) as client:
        for _ in range(4):
            client.get("/giftcard/cards/CARD-1", headers=KEY)
        client.get("/health")
        text = client.get("/metrics", headers=METRICS).text
    counts = by_label(text, "voucher_engine_http_request_duration_seconds_count", "route")
    assert counts == {"/giftcard/cards/{code}": 4.0, "/health": 1.0}
    buckets = samples(text, "voucher_engine_http_request_duration_seconds_bucket")
    card = sorted(
        (float(dict(labels)["le"]), value)
        for labels, value in buckets.items()
        if dict(labels)["route"] == "/giftcard/cards/{code}"
    )
    assert card[-1] == (float("inf"), 4.0)
    assert [v for _, v in card] == sorted(v for _, v in card)  # cumulative buckets
    assert by_label(text, "voucher_engine_http_request_duration_seconds_sum", "route")["/health"] > 0


def test_two_apps_keep_their_own_counters(sqlite_engine: Engine) -> None:
    with (
        TestClient(create_app(sqlite_engine, metrics_token=METRICS_TOKEN)) as one,
        TestClient(create_app(sqlite_engine, metrics_token=METRICS_TOKEN)) as other,
    ):
        for _ in range(2):
            one.get("/health")
        other_scrape = other.get("/metrics", headers=METRICS).text
        one_scrape = one.get("/metrics", headers=METRICS).text
    assert by_label(one_scrape, REQUESTS, "route") == {"/health": 2.0}
    assert by_label(other_scrape, REQUESTS, "route") == {}


def test_only_the_configured_token_reads_the_metrics(sqlite_engine: Engine) -> None:
    tenant_token = bearer_headers(sqlite_engine, "acme", "admin")
    with TestClient(create_app(sqlite_engine, metrics_token=METRICS_TOKEN)) as client:
        refused = [
            client.get("/metrics"),
            client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}x"}),
            client.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"}),
            client.get("/metrics", headers=tenant_token),  # a tenant's admin token is no scraper's
        ]
        scrape = client.get("/metrics", headers=METRICS)
    with TestClient(create_app(sqlite_engine)) as client:  # no token configured: nobody reads
        unconfigured = client.get("/metrics", headers=METRICS)
    for response in [*refused, unconfigured]:
        assert response.status_code == 401
        assert "acme" not in response.text and "voucher_engine_" not in response.text
    assert scrape.status_code == 200 and 'tenant="acme"' in scrape.text


def test_a_short_metrics_token_is_refused(sqlite_engine: Engine) -> None:
    with pytest.raises(ValidationError):
        create_app(sqlite_engine, metrics_token="short")


def test_metrics_can_be_left_out(sqlite_engine: Engine) -> None:
    with TestClient(create_app(sqlite_engine, metrics=False)) as client:
        assert client.get("/metrics", headers=METRICS).status_code == 404
        assert client.get("/health").status_code == 200


def _seed(engine: Engine) -> None:
    """Known operations: their figures are asserted exactly below."""
    for n in range(1, 6):
        engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("20.00", "EUR")), code=f"A-{n}")
    for n in range(1, 3):
        engine.issue("globex", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")), code=f"G-{n}")
    engine.redeem("acme", code="A-1", amount=Money.parse("5.00", "EUR"))
    engine.redeem("acme", code="A-1", amount=Money.parse("5.00", "EUR"))
    engine.redeem("acme", code="A-2", amount=Money.parse("20.00", "EUR"))
    engine.redeem("globex", code="G-1", amount=Money.parse("1.00", "EUR"))
    engine.create_pool("acme", "summer")
    engine.add_codes("acme", "summer", [f"S-{n}" for n in range(10)])
    for n in range(3):
        engine.pop_code("acme", "summer", reference=f"order-{n}")
    engine.create_pool("globex", "winter")
    engine.add_codes("globex", "winter", ["W-1", "W-2"])


def test_engine_figures_after_known_operations(one_card_engine: Engine) -> None:
    engine = one_card_engine  # acme already holds CARD-1, 50.00 EUR, untouched
    _seed(engine)
    with TestClient(create_app(engine, metrics_token=METRICS_TOKEN)) as client:
        before = client.get("/metrics", headers=METRICS).text
        webhooks = Webhooks(engine, DeliverySettings(allow_private_addresses=True))
        webhooks.create_endpoint("acme", "http://127.0.0.1:9/hooks")
        dispatch_outbox(engine, limit=1000)
        after = client.get("/metrics", headers=METRICS).text

    assert samples(before, "voucher_engine_database_up") == {(): 1.0}
    vouchers = by_label(before, "voucher_engine_vouchers", "tenant", "state")
    expected_states = {
        "acme": {"available": 4, "partially_redeemed": 1, "redeemed": 1},  # CARD-1, A-3..A-5
        "globex": {"available": 1, "partially_redeemed": 1},
    }
    assert vouchers == {
        (tenant, state.value): float(expected_states[tenant].get(state.value, 0))
        for tenant in ("acme", "globex")
        for state in State
    }
    assert by_label(before, "voucher_engine_vouchers_issued_total", "tenant") == {"acme": 6.0, "globex": 2.0}
    assert by_label(before, "voucher_engine_redemptions_total", "tenant") == {"acme": 3.0, "globex": 1.0}
    assert by_label(before, "voucher_engine_codes_issued_total", "tenant") == {"acme": 3.0, "globex": 0.0}
    pools = {
        metric: by_label(before, f"voucher_engine_pool_{metric}", "tenant", "pool")
        for metric in ("size", "issued", "remaining")
    }
    assert pools == {
        "size": {("acme", "summer"): 10.0, ("globex", "winter"): 2.0},
        "issued": {("acme", "summer"): 3.0, ("globex", "winter"): 0.0},
        "remaining": {("acme", "summer"): 7.0, ("globex", "winter"): 2.0},
    }
    # The outbox as the engine itself counts it (a different query of the same table).
    events = {tenant: float(engine.outbox_size(tenant)) for tenant in ("acme", "globex")}
    assert events["acme"] > 0 and events["globex"] > 0
    assert by_label(before, "voucher_engine_outbox_events", "tenant") == events
    assert by_label(before, "voucher_engine_outbox_undispatched", "tenant") == events
    assert by_label(before, "voucher_engine_webhook_deliveries_pending", "tenant") == {"acme": 0.0, "globex": 0.0}

    # Fanned out: nothing undispatched; one pending delivery per acme event (its endpoint),
    # none for globex, which has no endpoint.
    assert by_label(after, "voucher_engine_outbox_undispatched", "tenant") == {"acme": 0.0, "globex": 0.0}
    assert by_label(after, "voucher_engine_webhook_deliveries_pending", "tenant") == {
        "acme": events["acme"],
        "globex": 0.0,
    }


def test_figures_written_by_another_engine_are_seen_at_the_next_scrape(one_card_engine: Engine) -> None:
    """Another process's work (here: a second engine on the same database) shows up, since
    the figures are read from the database, not counted in memory."""
    url = database_of(one_card_engine).sa.url.render_as_string(hide_password=False)
    with TestClient(create_app(one_card_engine, metrics_token=METRICS_TOKEN)) as client:
        assert (
            by_label(client.get("/metrics", headers=METRICS).text, "voucher_engine_vouchers_issued_total", "tenant")[
                "acme"
            ]
            == 1.0
        )
        with Engine.open(url, config=EngineConfig(auto_migrate=False)) as elsewhere:
            elsewhere.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("9.00", "EUR")), code="ELSEWHERE")
        assert (
            by_label(client.get("/metrics", headers=METRICS).text, "voucher_engine_vouchers_issued_total", "tenant")[
                "acme"
            ]
            == 2.0
        )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_scrape_answers_when_the_database_does_not(dialect: str) -> None:
    url = {
        "sqlite": "sqlite:////nonexistent-directory/voucher-engine.sqlite3",
        # A port nothing listens on: the connection is refused at once.
        "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
    }[dialect]
    with (
        Engine.open(url, config=EngineConfig(auto_migrate=False)) as engine,
        TestClient(create_app(engine, metrics_token=METRICS_TOKEN)) as client,
    ):
        client.get("/health")
        response = client.get("/metrics", headers=METRICS)
    assert response.status_code == 200
    assert samples(response.text, "voucher_engine_database_up") == {(): 0.0}
    assert samples(response.text, "voucher_engine_vouchers") == {}
    assert by_label(response.text, REQUESTS, "route") == {"/health": 1.0}
