"""Prometheus metrics at ``GET /metrics``, for the operator's scraper only (the configured
``metrics_token`` as a bearer token, see ``operators``): the figures name every tenant and pool.

Two kinds of figures with different truths:

- HTTP requests and latencies are counted by this process, by route template (never the raw
  path: one series per voucher code would be unbounded, and codes are secrets). With several
  server processes, scrape each of them.
- Engine figures (vouchers by state, redemptions, codes issued, pool levels, outbox and
  delivery backlog) are read from the database at scrape time, so every process reports the
  same, right numbers whoever did the work.

Each app has its own ``CollectorRegistry``: two apps in one process never share counters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from voucher_engine import Engine
from voucher_engine.domain.lifecycle import State as VoucherState
from voucher_engine.errors import VoucherEngineError
from voucher_engine.identity.attempts import client_address
from voucher_engine_litestar.http_metrics import PREFIX, HttpMetrics
from voucher_engine_litestar.log import logger
from voucher_engine_litestar.operators import check_metrics_token

#: The app state key of the app's registry.
STATE_KEY = "voucher_engine_metrics"
#: The app state key of the token a scraper must send.
TOKEN_KEY = "voucher_engine_metrics_token"
# Litestar appends the charset to text types itself; prometheus_client's constant has one already.
MEDIA_TYPE = CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")
#: The route label of a request that matched no route (a 404 or 405 while routing).
UNMATCHED_ROUTE = "unmatched"


class EngineCollector(Collector):
    """Engine figures, read from the database at each scrape in one read transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(f"{PREFIX}_database_up", "1 when the engine figures below could be read")
        try:
            figures = self._read()
        except VoucherEngineError as error:  # the engine translates the driver's errors
            # A scrape must still answer (with the HTTP figures) when the database does not.
            logger.warning("metrics: the engine figures could not be read: %s", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _read(self) -> list[Metric]:
        found = self.engine.figures()  # one read transaction: every figure from one snapshot
        by_state, pool_rows = found.vouchers_by_state, found.pools
        redemptions, outbox_rows = found.redemptions, found.outbox_events
        undispatched, pending = found.outbox_undispatched, found.deliveries_pending

        vouchers_now = GaugeMetricFamily(
            f"{PREFIX}_vouchers", "Vouchers by tenant and state", labels=["tenant", "state"]
        )
        issued = CounterMetricFamily(f"{PREFIX}_vouchers_issued", "Vouchers ever issued", labels=["tenant"])
        redeemed = CounterMetricFamily(
            f"{PREFIX}_redemptions", "Redemptions (REDEEM ledger entries)", labels=["tenant"]
        )
        codes = CounterMetricFamily(f"{PREFIX}_codes_issued", "Codes issued from pools", labels=["tenant"])
        size = GaugeMetricFamily(f"{PREFIX}_pool_size", "Codes in a pool", labels=["tenant", "pool"])
        taken = GaugeMetricFamily(f"{PREFIX}_pool_issued", "Codes issued from a pool", labels=["tenant", "pool"])
        left = GaugeMetricFamily(f"{PREFIX}_pool_remaining", "Codes left in a pool", labels=["tenant", "pool"])
        events = GaugeMetricFamily(f"{PREFIX}_outbox_events", "Events in the outbox", labels=["tenant"])
        backlog = GaugeMetricFamily(
            f"{PREFIX}_outbox_undispatched", "Outbox events not yet fanned out to webhook deliveries", labels=["tenant"]
        )
        waiting = GaugeMetricFamily(
            f"{PREFIX}_webhook_deliveries_pending",
            "Webhook deliveries not yet delivered or given up",
            labels=["tenant"],
        )
        # Every tenant and state gets a series, zeros included, so a graph has no gaps and a
        # rate() starts from 0 instead of from the first event.
        for tenant in found.tenant_ids:
            for state in VoucherState:
                vouchers_now.add_metric([tenant, state.value], by_state.get((tenant, state.value), 0))
            issued.add_metric([tenant], sum(n for (t, _), n in by_state.items() if t == tenant))
            redeemed.add_metric([tenant], redemptions.get(tenant, 0))
            codes.add_metric([tenant], sum(p.issued for p in pool_rows if p.tenant_id == tenant))
            events.add_metric([tenant], outbox_rows.get(tenant, 0))
            backlog.add_metric([tenant], undispatched.get(tenant, 0))
            waiting.add_metric([tenant], pending.get(tenant, 0))
        for p in pool_rows:
            size.add_metric([p.tenant_id, p.pool_id], p.size)
            taken.add_metric([p.tenant_id, p.pool_id], p.issued)
            left.add_metric([p.tenant_id, p.pool_id], p.remaining)
        return [vouchers_now, issued, redeemed, codes, size, taken, left, events, backlog, waiting]


def metrics_registry(engine: Engine) -> tuple[CollectorRegistry, HttpMetrics]:
    """A new registry with this app's HTTP metrics and the engine's figures."""
    registry = CollectorRegistry()
    http = HttpMetrics(registry)
    registry.register(EngineCollector(engine))
    return registry, http


@get("/metrics", summary="Prometheus metrics", tags=["operations"], sync_to_thread=True, media_type=MEDIA_TYPE)
def metrics(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    # Every tenant's ids and figures: the operator's scraper's only (``operators``).
    with client_address(request.client.host if request.client else None):
        check_metrics_token(state.engine, request, state[TOKEN_KEY])
    # A thread: the engine collector queries the database.
    return Response(generate_latest(state[STATE_KEY]), media_type=MEDIA_TYPE)
