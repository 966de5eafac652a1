"""HTTP: the promo issuance endpoint against the same SQL behind a bare Litestar endpoint and
against a bare hello endpoint, all served by real uvicorn processes, all in one run.

Figures (per backend, in ``extra_info`` of one benchmark):
- ``max``: requests/s, p50 and p99 of each endpoint under wrk's closed loop;
- ``half``: p50 and p99 of each endpoint at half of its own maximum;
- ``health`` / ``hello_get``: ``GET /health`` of the engine's app (every middleware, as
  deployed) and the bare app's ``GET /hello``; the first held to >= 0.85 of the second;
- ``driver_ops_per_s``: the bare issuance in-process (no HTTP), at as many threads as wrk has
  connections: with ``hello`` it gives what HTTP plus SQL composed serially allow,
  ``1 / (1/hello + 1/driver)``, which the engine's endpoint is held to (>= 0.7 of it).

With ``--benchmark-disable`` (``make test``) wrk is not needed: each endpoint answers a few
requests over a real socket instead, so the servers, the bare app and the seeding cannot rot.
"""

from __future__ import annotations

import json
import time

import pytest

import bare
from benchsupport import TENANT, per_worker, record, run_workers, settle
from http_load import Server, lua_script, run_wrk, wrk_available
from voucher_engine.identity import Identity

PROMO_PATH = "/api/v1/voucher/request"
BARE_PATH = "/bare" + PROMO_PATH
HELLO_PATH = "/hello"
HEALTH_PATH = "/health"
CONNECTIONS = 8
DURATION_S = 5
CODES = 20_000  # more than the engine and the bare endpoint can hand out in the timed runs


def _body(distributor: str, category: str) -> bytes:
    return json.dumps(
        {
            "distributor_id": distributor,
            "terminal_id": "AT-998877",
            "trigger_category_id": category,
            "trigger_product_id": "PaysafeCard",
        }
    ).encode()


def _seed(engine, suffix: str, codes: int) -> tuple[str, bytes, str, str]:
    """A pool, a campaign issuing from it and a distributor: its token, a request body, the
    category and the distributor id."""
    pool, category, distributor = f"http-{suffix}", f"PAY-{suffix}", f"DIST-{suffix}"
    engine.create_pool(TENANT, pool)
    engine.add_codes(TENANT, pool, (f"H{suffix}{i:08d}" for i in range(codes)))
    engine.put_campaign(
        TENANT, f"CAMP-{suffix}", name=pool, pool_id=pool, trigger_categories=[category], distributors=[distributor]
    )
    token = Identity(engine).distributors.create_distributor(TENANT, distributor)
    return token, _body(distributor, category), category, distributor


def _driver_ops_per_s(world, token: str, category: str, distributor: str, ops: int) -> float:
    connections = per_worker(CONNECTIONS, lambda: bare.connect(world.url, world.statements))

    def op(w: int, i: int) -> None:
        db = connections[w]
        tenant, who = bare.authenticate_distributor(db, token)
        bare.issue_for_trigger(db, tenant, category, who, {"terminal": "AT-998877", "product": "PaysafeCard"})

    started = time.perf_counter()
    run_workers(CONNECTIONS, ops, op)
    elapsed = time.perf_counter() - started
    for db in connections:
        db.close()
    return ops / elapsed


def test_http_endpoints(benchmark, world, tmp_path) -> None:
    engine = world.engine
    codes = 200 if benchmark.disabled else CODES
    engine_token, engine_body, _, _ = _seed(engine, "e", codes)
    bare_token, bare_body, _, _ = _seed(engine, "b", codes)
    driver_token, _, driver_category, driver_distributor = _seed(engine, "d", codes)
    settle(engine)
    benchmark.group = f"http {world.backend}"
    record(benchmark, backend=world.backend, impl="http", operation="http", workers=CONNECTIONS, ops=0)

    engine_server = Server(
        "voucher_engine_litestar:create_app_from_env",
        {"VOUCHER_ENGINE_URL": world.url, "VOUCHER_ENGINE_MOUNTS": "promo=/"},
        tmp_path / "engine-server.log",
    )
    bare_server = Server("bare_app:create_bare_app", {"BENCH_BARE_URL": world.url}, tmp_path / "bare-server.log")
    try:
        engine_server.wait_until_serving(PROMO_PATH)
        bare_server.wait_until_serving(HELLO_PATH)
        endpoints = {
            "engine": (engine_server, PROMO_PATH, engine_body, engine_token),
            "bare": (bare_server, BARE_PATH, bare_body, bare_token),
            "hello": (bare_server, HELLO_PATH, b"{}", bare_token),
            # GET, no body: our /health (the whole middleware stack, production settings:
            # JSON access log, metrics, request ids) against the framework's bare GET.
            "health": (engine_server, HEALTH_PATH, None, engine_token),
            "hello_get": (bare_server, HELLO_PATH, None, bare_token),
        }
        if benchmark.disabled:
            benchmark.pedantic(_smoke, args=(endpoints,))
            return
        if not wrk_available():
            pytest.fail("wrk is not installed: `make bench` installs it (apt-get install wrk)")
        results: dict = {}
        benchmark.pedantic(_load, args=(endpoints, tmp_path, results), rounds=1)
        results["driver_ops_per_s"] = _driver_ops_per_s(
            world, driver_token, driver_category, driver_distributor, ops=CONNECTIONS * 100
        )
        benchmark.extra_info["http"] = results
        for figures in results["max"].values():
            assert figures["errors"] == 0, results  # every request answered 2xx: the run is valid
    finally:
        engine_server.stop()
        bare_server.stop()


def _headers(token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def _smoke(endpoints: dict) -> None:
    answers = {}
    for name, (server, path, body, token) in endpoints.items():
        statuses = [server.post(path, body, _headers(token)) for _ in range(3)]
        answers[name] = [status for status, _ in statuses]
        if name in ("engine", "bare"):
            issued = [json.loads(payload)["voucher_code"] for _, payload in statuses]
            assert len(set(issued)) == 3, issued
    assert answers == {name: [200] * 3 for name in endpoints}


def _load(endpoints: dict, tmp_path, results: dict) -> None:
    results["max"], results["half"] = {}, {}
    for name, (server, path, body, token) in endpoints.items():
        script = lua_script(tmp_path / f"{name}.lua", body, _headers(token), None)
        run_wrk(server.url(path), script, connections=CONNECTIONS, duration_s=1)  # warm-up
        peak = run_wrk(server.url(path), script, connections=CONNECTIONS, duration_s=DURATION_S)
        results["max"][name] = peak.as_dict()
        # Each connection waits so that all of them together offer half the peak rate.
        paced = lua_script(
            tmp_path / f"{name}-half.lua", body, _headers(token), 1000 * CONNECTIONS / (peak.requests_per_s / 2)
        )
        results["half"][name] = run_wrk(
            server.url(path), paced, connections=CONNECTIONS, duration_s=DURATION_S
        ).as_dict()
