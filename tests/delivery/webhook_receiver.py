"""A real webhook receiver for the tests: an HTTP server on a free loopback port, in a thread,
that records every request and can answer, fail or block as a test tells it."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from voucher_engine.delivery import DeliverySettings


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    """``answer(received) -> status`` decides each response (200 by default). ``hold(received)``
    may block the handler (to keep a request in flight) before it answers."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answer: Callable[[Received], int] = lambda _r: 200
        self.hold: Callable[[Received], None] = lambda _r: None
        self.lock = threading.Lock()
        self.in_flight: Counter[str] = Counter()
        self.overlaps: list[str] = []  # webhook ids seen in flight twice at the same time
        self.max_in_flight = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server naming
                length = int(self.headers.get("content-length", 0))
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                receiver._enter(got)
                try:
                    receiver.hold(got)
                    status = receiver.answer(got)
                finally:
                    receiver._leave(got)
                try:
                    self.send_response(status)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the worker was killed while we held its request

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _enter(self, got: Received) -> None:
        with self.lock:
            self.received.append(got)
            if self.in_flight[got.webhook_id]:
                self.overlaps.append(got.webhook_id)
            self.in_flight[got.webhook_id] += 1
            self.max_in_flight = max(self.max_in_flight, sum(self.in_flight.values()))

    def _leave(self, got: Received) -> None:
        with self.lock:
            self.in_flight[got.webhook_id] -= 1

    def ids(self) -> list[str]:
        with self.lock:
            return [r.webhook_id for r in self.received]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


#: Delivery settings for tests: loopback receivers allowed, no periodic jobs, two at a time.
LOOPBACK = DeliverySettings(allowed_networks=("127.0.0.1/32",), periodic_jobs={}, concurrency=2)
