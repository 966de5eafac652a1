"""Engine errors and unexpected failures rendered by the adapter's exception handlers,
through a real ASGI app whose route raises each error."""

from __future__ import annotations

import inspect

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from voucher_engine import errors
from voucher_engine_litestar.errors import exception_handlers, status_for


def _client(error: Exception, *, debug: bool = False) -> TestClient:
    """A client of an app with the adapter's handlers and one route, ``/raise``, raising ``error``."""

    @get("/raise", sync_to_thread=False)
    def raise_it() -> None:
        raise error

    return TestClient(Litestar([raise_it], exception_handlers=exception_handlers(debug=debug), debug=debug))


@pytest.mark.parametrize(
    ("error", "status", "retry_after"),
    [
        (errors.Unauthorized("invalid credentials"), 401, None),
        (errors.InvalidScope("needs the scope vouchers:write"), 403, None),
        (errors.VoucherNotFound("no voucher 'X'"), 404, None),
        (errors.TenantNotFound("no tenant 'x'"), 404, None),
        (errors.ValidationError("a pool id is 1 to 64 characters"), 422, None),
        (errors.InvalidAmount("amount must be positive"), 422, None),
        (errors.InsufficientFunds("balance too low"), 409, None),
        (errors.PoolDepleted("pool 'p' has no codes left"), 409, None),
        (errors.HoldExpired("the hold expired"), 409, None),
        (errors.Conflict("the database is busy; try again"), 409, "1"),
        (errors.IdempotencyKeyInUse("still running"), 409, "1"),
        (errors.IdempotencyKeyReused("used for a different request"), 422, None),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else None,
)
def test_engine_errors_map_to_status_and_body(
    error: errors.VoucherEngineError, status: int, retry_after: str | None
) -> None:
    with _client(error) as client:
        response = client.get("/raise")
    assert response.status_code == status
    assert response.json() == {"code": error.code, "message": error.message}
    assert response.headers.get("retry-after") == retry_after


def test_storage_errors_are_503_without_the_drivers_text() -> None:
    with _client(errors.StorageError("connection to server at 10.0.0.5 (user admin) failed")) as client:
        response = client.get("/raise")
    assert response.status_code == 503
    assert response.json() == {"code": "storage_error", "message": "the database is unavailable; try again later"}


def test_every_error_class_of_the_engine_has_a_client_or_unavailable_status() -> None:
    classes = [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.VoucherEngineError) and cls is not errors.VoucherEngineError
    ]
    assert len(classes) > 20
    statuses = {cls.__name__: status_for(cls()) for cls in classes}
    deliberate = {401, 403, 404, 409, 422, 429, 503}
    unmapped = {name: status for name, status in statuses.items() if status not in deliberate}
    assert unmapped == {}


def test_the_bare_root_error_is_a_500() -> None:
    with _client(errors.VoucherEngineError("something nobody classified")) as client:
        response = client.get("/raise")
    assert response.status_code == 500
    assert response.json() == {"code": "error", "message": "something nobody classified"}


def test_an_unexpected_exception_is_a_500_that_hides_its_text() -> None:
    with _client(RuntimeError("secret internals")) as client:
        response = client.get("/raise")
    assert response.status_code == 500
    assert response.json() == {"code": "internal_error", "message": "internal server error"}


def test_debug_mode_keeps_litestars_traceback_page() -> None:
    with _client(RuntimeError("secret internals"), debug=True) as client:
        response = client.get("/raise", headers={"Accept": "text/plain"})
    assert response.status_code == 500
    assert "secret internals" in response.text
