"""Liveness and readiness for load balancers and orchestrators.

``/health`` says the process answers and touches nothing else, so a slow database never gets
a healthy process restarted. ``/ready`` says this process can serve traffic: the database
answers and its schema is at the migrations' head. A database that is down is a 503 with a
reason, never a 500.
"""

from __future__ import annotations

import msgspec
from litestar import MediaType, Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

from voucher_engine import Engine
from voucher_engine.errors import VoucherEngineError
from voucher_engine_litestar.log import logger


class Health(msgspec.Struct):
    status: str


class Ready(msgspec.Struct):
    status: str
    database: str
    schema: str


class Unavailable(msgspec.Struct):
    status: str
    reason: str


def readiness(engine: Engine) -> Ready | Unavailable:
    try:
        schema = engine.schema_status()
    except VoucherEngineError as error:  # the engine translates the driver's errors
        logger.warning("not ready: the %s database does not answer: %s", engine.dialect, error)
        return Unavailable("unavailable", f"the {engine.dialect} database does not answer")
    if not schema.current:
        return Unavailable(
            "unavailable", f"the database schema is at {schema.revision or 'no revision'}, not at {schema.head}"
        )
    return Ready("ready", schema.dialect, schema.revision or "")


# Probes call it often and the answer never changes: its body is encoded once.
_HEALTHY = msgspec.json.encode(Health("ok"))


@get("/health", summary="Liveness: the process answers", tags=["operations"])
async def health() -> Response[Health]:
    # The annotation is what the OpenAPI document shows; the body is that Health, encoded.
    return Response(_HEALTHY, media_type=MediaType.JSON)  # type: ignore[arg-type]


@get(
    "/ready",
    summary="Readiness: the database answers and is migrated",
    tags=["operations"],
    sync_to_thread=True,
    responses={503: ResponseSpec(Unavailable, description="Not ready; the reason says why")},
)
def ready(state: State) -> Response[Ready | Unavailable]:
    report = readiness(state.engine)
    return Response(report, status_code=200 if isinstance(report, Ready) else 503)
