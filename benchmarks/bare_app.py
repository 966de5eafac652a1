"""The HTTP baselines: a bare Litestar app, served by uvicorn like the engine's.

- ``POST /hello``: no work at all, the framework's own cost per request; ``GET /hello`` the
  same, the yardstick of the engine app's ``GET /health``.
- ``POST /bare/api/v1/voucher/request``: the promo endpoint's SQL (``bare.authenticate_distributor``
  then ``bare.issue_for_trigger``) through the bare driver, one connection per server thread,
  answering the partner's JSON. Like the engine's handler it runs in Litestar's thread pool.

Run as ``uvicorn --factory bare_app:create_bare_app --app-dir benchmarks`` with
``BENCH_BARE_URL`` set to the database URL.
"""

from __future__ import annotations

import os
import threading

import msgspec
from litestar import Litestar, Request, Response, get, post

import bare

URL_VARIABLE = "BENCH_BARE_URL"
HELLO = b'{"hello":"world"}'
HEALTH = b'{"status":"ok"}'


class VoucherRequest(msgspec.Struct, frozen=True):
    distributor_id: str
    terminal_id: str
    trigger_category_id: str
    trigger_product_id: str | None = None


def create_bare_app() -> Litestar:
    url = os.environ[URL_VARIABLE]
    statements = bare.statements_for(url)
    local = threading.local()

    def connection() -> bare.BareDb:
        db = getattr(local, "db", None)
        if db is None:
            db = local.db = bare.connect(url, statements)
        return db

    @post("/hello", status_code=200)
    async def hello() -> Response:
        return Response(HELLO, media_type="application/json")

    @get("/hello")
    async def hello_get() -> Response:
        # The twin of the engine app's GET /health: what the framework costs on its own.
        return Response(HEALTH, media_type="application/json")

    @post("/bare/api/v1/voucher/request", sync_to_thread=True, status_code=200)
    def request_voucher(request: Request, data: VoucherRequest) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        db = connection()
        try:
            tenant, distributor = bare.authenticate_distributor(db, token)
            attributes = {"terminal": data.terminal_id}
            if data.trigger_product_id is not None:
                attributes["product"] = data.trigger_product_id
            campaign, code, ends_at, issued_at = bare.issue_for_trigger(
                db, tenant, data.trigger_category_id, distributor, attributes
            )
        except bare.Refused as refused:
            return Response({"message": str(refused)}, status_code=409)
        return Response(
            {
                "campaign_id": campaign,
                "voucher_code": code,
                "expiry_date": "" if ends_at is None else str(ends_at),
                "issued_at": issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )

    return Litestar(route_handlers=[hello, hello_get, request_voucher], logging_config=None)
