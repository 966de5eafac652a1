"""The request body size limit: app-wide by default, smaller where an operation says so."""

from __future__ import annotations

from collections.abc import Iterator

from litestar import Request, post
from litestar.testing import TestClient
from litestar_support import KEY

from voucher_engine import Engine
from voucher_engine_litestar import create_app
from voucher_engine_litestar.plugin import DEFAULT_MAX_BODY_BYTES


@post("/echo-size")
async def echo_size(request: Request) -> dict[str, int]:
    """A route without a limit of its own, registered on the app after it was built."""
    return {"bytes": len(await request.body())}


def _chunks(total: int, size: int = 4096) -> Iterator[bytes]:
    while total > 0:
        yield b"x" * min(size, total)
        total -= size


def test_the_app_wide_default_is_one_mebibyte(sqlite_engine: Engine) -> None:
    assert DEFAULT_MAX_BODY_BYTES == 1024 * 1024
    app = create_app(sqlite_engine)
    app.register(echo_size)
    with TestClient(app) as client:
        fits = client.post("/echo-size", content=b"x" * DEFAULT_MAX_BODY_BYTES)
        too_big = client.post("/echo-size", content=b"x" * (DEFAULT_MAX_BODY_BYTES + 1))
    assert (fits.status_code, fits.json()) == (201, {"bytes": DEFAULT_MAX_BODY_BYTES})
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "request_entity_too_large"


def test_a_configured_limit_holds_with_and_without_a_content_length(sqlite_engine: Engine) -> None:
    app = create_app(sqlite_engine, max_body_bytes=10_000)
    app.register(echo_size)
    with TestClient(app) as client:
        assert client.post("/echo-size", content=b"x" * 10_000).json() == {"bytes": 10_000}
        declared = client.post("/echo-size", content=b"x" * 10_001)
        # Chunked: no Content-Length to refuse up front, so the limit is counted while reading.
        streamed = client.post("/echo-size", content=_chunks(10_001))
        streamed_fits = client.post("/echo-size", content=_chunks(10_000))
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert streamed_fits.json() == {"bytes": 10_000}


def test_an_operations_own_smaller_limit_wins_and_answers_in_the_providers_shape(sqlite_engine: Engine) -> None:
    # The gift-card operations keep their 64 KiB limit under the app's 1 MiB.
    padding = "x" * (64 * 1024)
    with TestClient(create_app(sqlite_engine)) as client:
        response = client.post(
            "/giftcard/cards/CARD-1/redeem",
            headers={**KEY, "Content-Type": "application/json"},
            content=f'{{"amount": "1.00", "currency": "EUR", "storeId": "{padding}"}}'.encode(),
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert sqlite_engine.get_voucher("acme", code="CARD-1").available == 5000  # nothing spent
