"""The per-client rate limit through the real ASGI app, driven by a fake monotonic clock."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from litestar_support import KEY, FakeMonotonic, by_label

from opsauth import METRICS, METRICS_TOKEN, bearer_headers
from voucher_engine import Engine
from voucher_engine_litestar import create_app
from voucher_engine_litestar.ratelimit import RateLimit, TokenBuckets


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


def _app(engine: Engine, monotonic: FakeMonotonic, *, per_second: float = 1, burst: int = 3, mounts=None):
    return create_app(
        engine,
        mounts=mounts,
        rate_limit=RateLimit(per_second=per_second, burst=burst, clock=monotonic),
        metrics_token=METRICS_TOKEN,
    )


def _client(engine: Engine, monotonic: FakeMonotonic, **options) -> TestClient:
    """A client of ``_app`` whose every request carries the operator's token (for /stats)."""
    client = TestClient(_app(engine, monotonic, **options))
    client.headers.update(bearer_headers(engine, "acme"))
    return client


def _statuses(client: TestClient, n: int, path: str = "/stats", headers: dict | None = None) -> list[int]:
    return [client.get(path, headers=headers).status_code for _ in range(n)]


def test_burst_then_429_with_retry_after_then_refill(sqlite_engine: Engine, monotonic: FakeMonotonic) -> None:
    with _client(sqlite_engine, monotonic, per_second=0.5, burst=3) as client:
        assert _statuses(client, 3) == [200, 200, 200]
        refused = client.get("/stats", headers={"X-Request-ID": "too-fast"})
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "2"  # one token per 2 s
        assert refused.json() == {"code": "too_many_requests", "message": "too many requests; slow down"}
        assert refused.headers["x-request-id"] == "too-fast"

        monotonic.advance(1.0)  # half a token: still refused, and told to wait the other second
        again = client.get("/stats")
        assert (again.status_code, again.headers["retry-after"]) == (429, "1")

        monotonic.advance(1.0)  # one whole token
        assert _statuses(client, 2) == [200, 429]

        monotonic.advance(3600)  # a long pause refills up to the burst, not beyond
        assert _statuses(client, 4) == [200, 200, 200, 429]


def test_refused_requests_take_no_token(sqlite_engine: Engine, monotonic: FakeMonotonic) -> None:
    with _client(sqlite_engine, monotonic, per_second=1, burst=1) as client:
        assert _statuses(client, 5) == [200, 429, 429, 429, 429]
        monotonic.advance(1.0)
        assert _statuses(client, 2) == [200, 429]


def test_a_client_is_its_address_whatever_credentials_it_sends(sqlite_engine: Engine, monotonic: FakeMonotonic) -> None:
    alice, bob = {"Authorization": "Bearer alice-token"}, {"Authorization": "Bearer bob-token"}
    with _client(sqlite_engine, monotonic, burst=3) as client:
        # A new credential is no new bucket: guessing passwords buys no extra requests.
        assert _statuses(client, 1, headers=alice) + _statuses(client, 1, headers=bob) == [401, 401]
        assert _statuses(client, 2, "/giftcard/cards/CARD-1", KEY) == [200, 429]


def test_probes_and_scrapes_are_never_limited(sqlite_engine: Engine, monotonic: FakeMonotonic) -> None:
    with _client(sqlite_engine, monotonic, burst=1) as client:
        assert _statuses(client, 2) == [200, 429]
        assert _statuses(client, 5, "/health") == [200] * 5
        assert _statuses(client, 5, "/metrics", METRICS) == [200] * 5
        scrape = client.get("/metrics", headers=METRICS).text
    assert by_label(scrape, "voucher_engine_http_requests_total", "route", "status")[("/stats", "429")] == 1.0


@pytest.mark.parametrize("prefix", ["/giftcard", ""], ids=["prefix", "root-mount"])
def test_under_a_providers_prefix_the_429_is_in_the_providers_shape(
    sqlite_engine: Engine, monotonic: FakeMonotonic, prefix: str
) -> None:
    mounts = {"giftcard": prefix or "/"}
    with _client(sqlite_engine, monotonic, per_second=0.25, burst=1, mounts=mounts) as client:
        assert client.get(f"{prefix}/cards/CARD-1", headers=KEY).status_code == 200
        refused = client.get(f"{prefix}/cards/CARD-1", headers=KEY)
        # A form post too: the limit is checked before the body is read.
        form = client.post(f"{prefix}/check", data={"code": "CARD-1"}, headers=KEY)
    for response in (refused, form):
        assert response.status_code == 429
        assert response.headers["retry-after"] == "4"
        assert response.json() == {"error": {"code": "rate_limited", "message": "too many requests; slow down"}}


def test_the_limit_is_off_by_default(sqlite_engine: Engine) -> None:
    with TestClient(create_app(sqlite_engine)) as client:
        assert set(_statuses(client, 30, headers=bearer_headers(sqlite_engine, "acme"))) == {200}


def test_forgotten_clients_start_with_a_full_bucket() -> None:
    buckets = TokenBuckets(RateLimit(per_second=1, burst=1, clock=FakeMonotonic(), max_clients=2))
    assert [buckets.take(k) for k in ("a", "a", "b", "b")] == [None, 1, None, 1]
    assert buckets.take("c") is None  # the third client pushes out the least recently seen, "a"
    assert [buckets.take(k) for k in ("b", "a")] == [1, None]


@pytest.mark.parametrize(
    "arguments",
    [
        {"per_second": 0, "burst": 1},
        {"per_second": -1, "burst": 1},
        {"per_second": 1, "burst": 0},
        {"per_second": 1, "burst": 1, "max_clients": 0},
    ],
)
def test_a_limit_that_cannot_work_is_refused(arguments: dict) -> None:
    with pytest.raises(ValueError):
        RateLimit(**arguments)
