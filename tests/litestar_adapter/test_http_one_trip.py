"""An operation's request makes one trip to a worker thread (authentication, decoding and the
handler together) when its body can be read first without anyone seeing a difference: a small
body with a Content-Length. A large body, or one the client offers with ``Expect:
100-continue``, is still not read before the credentials are checked; a body read early is
looked at only after them (docs/http.md)."""

from __future__ import annotations

import asyncio
import json
import sys
from types import FrameType

import anyio.to_thread
from litestar import Litestar
from litestar.types import Message
from litestar_support import KEY

from voucher_engine import Engine
from voucher_engine_litestar import create_app
from voucher_engine_litestar.decoding import EARLY_BODY_BYTES

REDEEM = "/giftcard/cards/CARD-1/redeem"
BODY = json.dumps({"amount": "1.00", "currency": "EUR"}).encode()
WRONG_KEY = {"X-Api-Key": "not-a-key"}


class Exchange:
    """One request through the ASGI app, as a server hands it over: what the app asked of
    ``receive``, what it answered, and how often it handed work to a worker thread."""

    def __init__(self, app: Litestar, headers: dict[str, str], body: bytes, *, length: int | None = None) -> None:
        self.receives = 0
        trips: set[FrameType] = set()  # a coroutine's frame is "called" again at every resumption
        self.status = 0
        self.body = b""
        wire_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        wire_headers.append((b"content-length", str(len(body) if length is None else length).encode()))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": REDEEM, "raw_path": REDEEM.encode(), "query_string": b"",
            "root_path": "", "headers": wire_headers, "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        run_sync = anyio.to_thread.run_sync.__code__

        def profile(frame: FrameType, event: str, arg: object) -> None:
            if event == "call" and frame.f_code is run_sync:
                trips.add(frame)

        async def receive() -> Message:
            self.receives += 1
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
            elif message["type"] == "http.response.body":
                self.body += message.get("body", b"")

        async def request() -> None:
            sys.setprofile(profile)  # the event loop's thread: where trips to workers start
            try:
                await app(scope, receive, send)  # type: ignore[arg-type]
            finally:
                sys.setprofile(None)

        asyncio.run(request())
        self.trips = len(trips)


def test_a_small_body_is_read_first_and_the_rest_done_in_one_trip(sqlite_engine: Engine) -> None:
    app = create_app(sqlite_engine)
    served = Exchange(app, {**KEY, "Content-Type": "application/json"}, BODY)
    assert (served.status, json.loads(served.body)["redeemed"]) == (200, "1.00")
    assert (served.receives, served.trips) == (1, 1)


def test_a_body_read_first_is_looked_at_only_once_the_credentials_pass(sqlite_engine: Engine) -> None:
    app = create_app(sqlite_engine)
    refusals = {
        "malformed JSON": ({"Content-Type": "application/json"}, b'{"amount": '),
        "a field of the wrong type": ({"Content-Type": "application/json"}, b'{"amount": 1, "currency": "EUR"}'),
        "a Content-Type it does not take": ({"Content-Type": "text/plain"}, BODY),
    }
    for name, (headers, body) in refusals.items():
        refused = Exchange(app, {**WRONG_KEY, **headers}, body)
        assert refused.status == 401, name  # not 400: the body says nothing to a caller without a key
        assert Exchange(app, {**KEY, **headers}, body).status == 400, name


def test_a_large_body_is_not_read_before_the_credentials_are_checked(sqlite_engine: Engine) -> None:
    app = create_app(sqlite_engine)
    large = b" " * EARLY_BODY_BYTES + BODY  # JSON with leading blanks: valid, large, under the cap
    refused = Exchange(app, {**WRONG_KEY, "Content-Type": "application/json"}, large)
    assert (refused.status, refused.receives) == (401, 0)
    served = Exchange(app, {**KEY, "Content-Type": "application/json"}, large)
    assert (served.status, served.receives, served.trips) == (200, 1, 2)  # the key, then the handler


def test_a_body_offered_with_expect_100_continue_is_not_asked_for_before_the_credentials(
    sqlite_engine: Engine,
) -> None:
    app = create_app(sqlite_engine)
    offered = {"Content-Type": "application/json", "Expect": "100-continue"}
    refused = Exchange(app, {**WRONG_KEY, **offered}, BODY)
    assert (refused.status, refused.receives) == (401, 0)
    assert Exchange(app, {**KEY, **offered}, BODY).status == 200
