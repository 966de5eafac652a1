"""A real webhook receiver: an HTTP server on a free loopback port, in a thread, recording
every request; it answers, fails or blocks as a test tells it, and verifies Standard Webhooks
signatures with the ``standardwebhooks`` package (a receiver's own library)."""

from __future__ import annotations

import base64
import hmac
import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from voucher_engine.clock import Clock
from voucher_engine.delivery import DeliverySettings

#: Delivery settings for tests: loopback receivers allowed (the SSRF guard refuses them
#: otherwise), no periodic jobs, two deliveries at a time.
LOOPBACK = DeliverySettings(allowed_networks=("127.0.0.1/32",), periodic_jobs={}, concurrency=2)
#: What ``standardwebhooks`` accepts between a webhook's timestamp and the receiver's clock.
TOLERANCE = timedelta(minutes=5)


class SignatureError(AssertionError):
    """A received webhook whose signature or timestamp does not verify."""


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """``url`` receives POSTs. ``answer(received) -> status`` decides each response (200 by
    default); ``hold(received)`` may block the handler (to keep a request in flight) first.

    ``verify(secret)`` checks every request received so far as a receiver would, against
    ``clock`` (the test's clock, so a test whose clock is far from the wall clock still
    verifies; the wall clock when none is given) and returns the payloads."""

    def __init__(self, clock: Clock | None = None, path: str = "/hook") -> None:
        self.clock = clock
        self.received: list[Received] = []
        self.answer: Callable[[Received], int] = lambda _r: 200
        self.hold: Callable[[Received], None] = lambda _r: None
        self.lock = threading.Lock()
        self.in_flight: Counter[str] = Counter()
        self.overlaps: list[str] = []  # webhook ids seen in flight twice at the same time
        self.max_in_flight = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
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
                    pass  # the sender was killed while we held its request

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._started = False

    def start(self) -> WebhookReceiver:
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def close(self) -> None:
        if self._started:
            self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

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

    def verify(self, secret: str) -> list[Any]:
        """The payload of every webhook received so far, each verified; ``SignatureError``
        on the first that does not verify."""
        with self.lock:
            received = list(self.received)
        return [verify(secret, got, clock=self.clock) for got in received]


def verify(secret: str, got: Received, *, clock: Clock | None = None) -> Any:
    """Verify one webhook with ``standardwebhooks``: its signature over id, timestamp and
    body, and its timestamp within five minutes of ``clock`` (the wall clock if None)."""
    from standardwebhooks import Webhook, WebhookVerificationError  # the voucher-engine[testing] extra

    hook = Webhook(secret)
    if clock is None:
        try:
            return hook.verify(got.body, got.headers)
        except WebhookVerificationError as error:
            raise SignatureError(f"webhook {got.headers.get('webhook-id')}: {error}") from error
    try:
        msg_id, stamp, signatures = (got.headers[h] for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
        sent_at = datetime.fromtimestamp(int(stamp), UTC)
    except (KeyError, ValueError) as error:
        raise SignatureError(f"webhook headers missing or malformed: {error}") from error
    if abs(sent_at - clock.now()) > TOLERANCE:
        raise SignatureError(f"webhook {msg_id}: timestamp {sent_at} is not within {TOLERANCE} of {clock.now()}")
    expected = base64.b64decode(hook.sign(msg_id, sent_at, got.body.decode()).split(",", 1)[1])
    for versioned in signatures.split(" "):
        version, _, signature = versioned.partition(",")
        if version == "v1" and hmac.compare_digest(expected, base64.b64decode(signature)):
            return json.loads(got.body)
    raise SignatureError(f"webhook {msg_id}: no signature matches")
