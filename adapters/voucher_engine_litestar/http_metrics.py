"""The HTTP metrics of one app: requests by method, route template and status, and latency
by method and route template.

A request adds to plain numbers under one lock (0.3 us in a tight loop, 1 us inside the app;
a ``Counter`` and a ``Histogram`` child, even kept per series, took three locks and five
calls: 0.8 and 2.4 us); the registry reads them at scrape time as the metric families
prometheus_client's ``Counter`` and ``Histogram`` would give for the same observations,
sample for sample (``test_ops_observe_cost.py`` compares the two expositions). Each process
counts its own requests (no multiprocess mode), as before.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

PREFIX = "voucher_engine"
REQUESTS = f"{PREFIX}_http_requests"
REQUESTS_HELP = "HTTP requests answered, by method, route template and status"
LATENCY = f"{PREFIX}_http_request_duration_seconds"
LATENCY_HELP = "Time to answer an HTTP request, by route template"
#: Histogram's default buckets (seconds), +Inf last, as ``Histogram`` keeps them.
BOUNDS: tuple[float, ...] = tuple(float(b) for b in Histogram.DEFAULT_BUCKETS)
_LE = tuple(floatToGoString(b) for b in BOUNDS)  # type: ignore[no-untyped-call]  # the le labels Histogram writes


@dataclass(slots=True)
class _Latency:
    created: float
    buckets: list[int] = field(default_factory=lambda: [0] * len(BOUNDS))
    sum: float = 0.0


@dataclass(slots=True)
class _Requests:
    created: float
    latency: _Latency
    count: int = 0


class HttpMetrics(Collector):
    """Requests and latencies of one app, registered in that app's registry.

    A series is created, with its ``_created`` time, when its first request is observed (as
    a prometheus_client child is by the first ``labels()``); series are never removed.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        # The request path adds, the scrape (in a worker thread) reads: one lock for both.
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], _Requests] = {}
        self._latencies: dict[tuple[str, str], _Latency] = {}
        if registry is not None:
            registry.register(self)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        series = self._requests.get((method, route, status))
        if series is None:
            series = self._new_series(method, route, status)
        latency = series.latency
        # Histogram.observe's bucket: the first bound the value is at most.
        bucket = bisect_left(BOUNDS, seconds)
        with self._lock:
            series.count += 1
            latency.buckets[bucket] += 1
            latency.sum += seconds

    def _new_series(self, method: str, route: str, status: int) -> _Requests:
        with self._lock:
            key = (method, route, status)
            series = self._requests.get(key)  # another thread may have added it meanwhile
            if series is None:
                created = time.time()
                latency = self._latencies.get((method, route))
                if latency is None:
                    latency = self._latencies[(method, route)] = _Latency(time.time())
                series = self._requests[key] = _Requests(created, latency)
            return series

    def describe(self) -> Iterable[Metric]:
        # The names the registry reserves for this collector, as for a Counter and a Histogram.
        return [Metric(REQUESTS, REQUESTS_HELP, "counter"), Metric(LATENCY, LATENCY_HELP, "histogram")]

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            requests = [(key, s.count, s.created) for key, s in self._requests.items()]
            latencies = [(key, list(s.buckets), s.sum, s.created) for key, s in self._latencies.items()]
        created = _created_series_enabled()
        counter = Metric(REQUESTS, REQUESTS_HELP, "counter")
        for (method, route, status), count, since in requests:
            labels = {"method": method, "route": route, "status": str(status)}
            counter.add_sample(f"{REQUESTS}_total", labels, float(count))
            if created:
                counter.add_sample(f"{REQUESTS}_created", labels, since)
        histogram = Metric(LATENCY, LATENCY_HELP, "histogram")
        for (method, route), buckets, total, since in latencies:
            labels = {"method": method, "route": route}
            acc = 0.0
            for le, n in zip(_LE, buckets, strict=True):
                acc += n
                histogram.add_sample(f"{LATENCY}_bucket", {**labels, "le": le}, acc)
            histogram.add_sample(f"{LATENCY}_count", labels, acc)
            histogram.add_sample(f"{LATENCY}_sum", labels, total)
            if created:
                histogram.add_sample(f"{LATENCY}_created", labels, since)
        return [counter, histogram]


def _created_series_enabled() -> bool:
    """Whether prometheus_client writes ``_created`` samples (``PROMETHEUS_DISABLE_CREATED_SERIES``,
    ``disable_created_metrics()``), asked of a throwaway counter's public ``collect()``."""
    (probe,) = Counter("probe", "", registry=None).collect()
    return any(sample.name.endswith("_created") for sample in probe.samples)
