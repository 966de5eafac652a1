"""CPU per request in-process: the HTTP side of the promo endpoint and of ``GET /health``.

Requests go through the real ASGI apps (the production app of ``create_app_from_env`` with the
promo provider at "/", and the bare app of ``bare_app.py``), called the way uvicorn calls them
(one event loop on uvloop, one request at a time), with no server or socket: what is timed is
the process's CPU (``time.process_time``, every thread) per request, so that a machine shared
with other work moves the figures less than a wall clock would. The access log goes to a file,
as ``http_load.Server`` sends it. Modes, run in interleaved rounds in one process:

- ``promo``: ``POST /api/v1/voucher/request`` of the engine's app;
- ``engine``: what that endpoint's handler calls, without HTTP: ``claimed_distributor`` and
  ``Engine.issue_for_trigger`` with the same arguments, in the calling thread; ``thread``: the
  same in a worker thread (``anyio.to_thread.run_sync``, as the endpoint runs it);
- ``health``: ``GET /health`` of the engine's app; ``hello``: ``GET /hello`` of the bare app;
- ``stub``: the promo endpoint of a second app whose engine answers ``issue_for_trigger`` with
  a fixed issue at once (no transaction): the HTTP side alone, for profiling it without the
  database's noise. Only here: no test replaces the engine.

    .venv/bin/python benchmarks/http_cpu.py --backend sqlite --rounds 7 --requests 2000
    .venv/bin/python benchmarks/http_cpu.py --modes health,hello --profile health

``--profile MODE`` runs one more round of that mode under cProfile and prints the top of it.
The in-process worker thread is off (``VOUCHER_ENGINE_WORKER=0``) unless ``--worker``: it is
the engine's cost, not HTTP's.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import uvloop

import bare_app
from benchsupport import TENANT, fresh_database, open_engine, seed_tenant
from voucher_engine import CampaignIssue
from voucher_engine.identity import Identity
from voucher_engine_litestar import create_app_from_env

PROMO_PATH = "/api/v1/voucher/request"
CATEGORY, DISTRIBUTOR = "PAY-cpu", "DIST-cpu"


class AsgiCaller:
    """Calls an ASGI app as uvicorn's httptools protocol does, one request at a time."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
            "scheme": "http",
            "method": method,
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "state": {},
        }
        delivered = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.get_running_loop().create_future()  # the client never leaves
            raise AssertionError

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status


def seed(engine: Any, codes: int) -> tuple[str, bytes]:
    pool = "cpu"
    engine.create_pool(TENANT, pool)
    engine.add_codes(TENANT, pool, (f"C{i:09d}" for i in range(codes)))
    engine.put_campaign(
        TENANT, "CAMP-cpu", name=pool, pool_id=pool, trigger_categories=[CATEGORY], distributors=[DISTRIBUTOR]
    )
    token = Identity(engine).distributors.create_distributor(TENANT, DISTRIBUTOR)
    body = (
        b'{"distributor_id":"' + DISTRIBUTOR.encode() + b'","terminal_id":"AT-998877",'
        b'"trigger_category_id":"' + CATEGORY.encode() + b'","trigger_product_id":"PaysafeCard"}'
    )
    return token, body


async def main(args: argparse.Namespace) -> None:
    modes = args.modes.split(",")
    issuing = len({"promo", "engine", "thread"} & set(modes))
    codes = (args.rounds + 2) * args.requests * (1 + issuing) + 1000
    for url in fresh_database(args.backend, Path(tempfile.mkdtemp(prefix="http-cpu-"))):
        seeding = open_engine(url)
        seed_tenant(seeding)
        token, body = seed(seeding, codes if issuing else 0)
        seeding.close()
        os.environ.update(
            {
                "VOUCHER_ENGINE_URL": url,
                "VOUCHER_ENGINE_MOUNTS": "promo=/",
                "VOUCHER_ENGINE_WORKER": "1" if args.worker else "0",
                "BENCH_BARE_URL": url,
            }
        )
        await run(args, modes, token, body)


async def run(args: argparse.Namespace, modes: list[str], token: str, body: bytes) -> None:
    app = create_app_from_env()
    hello_app = bare_app.create_bare_app()
    stub_app = create_app_from_env()
    stub_app.state.engine.issue_for_trigger = fixed_issue
    engine = app.state.engine
    distributors = engine.shared(Identity).distributors
    post_headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"content-type", b"application/json"),
        (b"authorization", b"Bearer " + token.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    get_headers = [(b"host", b"127.0.0.1:8000"), (b"authorization", b"Bearer " + token.encode())]
    ours, theirs, stubbed = AsgiCaller(app), AsgiCaller(hello_app), AsgiCaller(stub_app)

    async def promo() -> int:
        return await ours("POST", PROMO_PATH, post_headers, body)

    async def stub() -> int:
        return await stubbed("POST", PROMO_PATH, post_headers, body)

    async def health() -> int:
        return await ours("GET", "/health", get_headers, b"")

    async def hello() -> int:
        return await theirs("GET", "/hello", get_headers, b"")

    async def engine_call() -> int:
        return issue()

    async def engine_in_thread() -> int:
        return await anyio.to_thread.run_sync(issue)

    def issue() -> int:
        caller = distributors.claimed_distributor(token)
        engine.issue_for_trigger(
            caller.tenant_id,
            category=CATEGORY,
            distributor=caller.distributor_id,
            attributes={"terminal": "AT-998877", "product": "PaysafeCard"},
            scope="promo:" + caller.distributor_id,
            token_digest=caller.token_digest,
        )
        return 200

    calls: dict[str, Callable[[], Any]] = {
        "promo": promo,
        "engine": engine_call,
        "thread": engine_in_thread,
        "stub": stub,
        "health": health,
        "hello": hello,
    }
    async with app.lifespan(), hello_app.lifespan(), stub_app.lifespan():
        for name in modes:  # warm-up: caches, first series, first connections
            await rounds_of(calls[name], min(args.requests, 300))
        figures: dict[str, list[float]] = {name: [] for name in modes}
        for _ in range(args.rounds):
            for name in modes:
                figures[name].append(await rounds_of(calls[name], args.requests))
        for name in modes:
            per = sorted(figures[name])
            print(f"{args.backend:10} {name:7} us/request min {per[0]:7.1f} median {per[len(per) // 2]:7.1f}")
        if len({"promo", "engine"} & set(modes)) == 2:
            print(f"{args.backend:10} promo - engine (min) {min(figures['promo']) - min(figures['engine']):7.1f} us")
        if len({"health", "hello"} & set(modes)) == 2:
            print(f"{args.backend:10} hello / health (min) {min(figures['hello']) / min(figures['health']):7.2f}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            await rounds_of(calls[args.profile], args.requests)
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats(args.sort).print_stats(args.top)


def fixed_issue(tenant_id: str, **_: Any) -> CampaignIssue:
    now = datetime.now(UTC)
    return CampaignIssue("CAMP-cpu", "C000000001", None, now, "cpu", 1)


async def rounds_of(call: Callable[[], Any], requests: int) -> float:
    """CPU microseconds per request over ``requests`` requests."""
    started = time.process_time()
    for _ in range(requests):
        status = await call()
        if status != 200:
            raise AssertionError(f"answered {status}")
    return (time.process_time() - started) / requests * 1e6


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--modes", default="promo,engine,health,hello")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--log", default=None, help="where stderr (the access log) goes; a temporary file by default")
    arguments = parser.parse_args()
    log = arguments.log or tempfile.mkstemp(prefix="http-cpu-", suffix=".log")[1]
    descriptor = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(descriptor, 2)
    uvloop.run(main(arguments))
