"""Liveness and readiness for load balancers and orchestrators.

``/health`` says the process answers and touches nothing else, so a slow database never gets
a healthy process restarted. ``/ready`` says this process can serve traffic: the database
answers and its schema is at the migrations' head. A database that is down is a 503 with a
reason, never a 500.
"""

from __future__ import annotations

from functools import cache

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.exc import SQLAlchemyError

from voucher_engine import Engine
from voucher_engine.errors import VoucherEngineError
from voucher_engine.storage import migrate

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


# The migration scripts ship with the package and do not change while it runs.
_head_revision = cache(migrate.head_revision)


def readiness(engine: Engine) -> Ready | Unavailable:
    try:
        revision = migrate.current_revision(engine.db)
    except (SQLAlchemyError, VoucherEngineError) as error:
        logger.warning("not ready: the %s database does not answer: %s", engine.db.dialect, error)
        return Unavailable("unavailable", f"the {engine.db.dialect} database does not answer")
    head = _head_revision()
    if revision != head:
        return Unavailable(
            "unavailable", f"the database schema is at {revision or 'no revision'}, not at {head}"
        )
    return Ready("ready", engine.db.dialect, revision)


@get("/health", summary="Liveness: the process answers", tags=["operations"])
async def health() -> Health:
    return Health("ok")


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
