"""Failed authentications are limited per client address and per identity, across two real
server processes on one PostgreSQL database (docs/identity.md, "Failed authentications").

The processes see different client addresses because the test connects from different
loopback addresses (127.0.0.2 the attacker, 127.0.0.3 someone else): Linux routes all of
127/8 to the loopback interface. Both servers follow the test's clock, so the window's end
is reached by moving the clock, never by waiting.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from dbsupport import fresh_database_url
from voucher_engine import Engine
from voucher_engine.identity import Identity
from voucher_engine.identity.config import Argon2Params, AttemptLimits, IdentityConfig
from voucher_engine.testing import Response, Server, SharedClock, send, start_server

pytestmark = pytest.mark.postgresql

LIMITS = AttemptLimits()  # the documented defaults: what `voucher-engine serve` runs with
CHEAP = Argon2Params(time_cost=1, memory_cost_kib=1024, parallelism=1)
ATTACKER = "127.0.0.2"
ELSEWHERE = "127.0.0.3"


class World:
    def __init__(self, servers: list[Server], clock: SharedClock, secrets: dict[str, str]) -> None:
        self.servers = servers
        self.clock = clock
        self.secrets = secrets
        self._turn = itertools.cycle(servers)

    def request(self, source: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> Response:
        """One request from ``source``, to each server in turn."""
        server = next(self._turn)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(source, 0))
        try:
            return send(conn, method, path, body, headers)
        finally:
            conn.close()

    def login(self, source: str, email: str, password: str) -> Response:
        basic = base64.b64encode(f"{email}:{password}".encode()).decode()
        return self.request(
            source,
            "POST",
            "/admin/staff-sessions",
            json.dumps({"tenant": "acme", "scope": "shop"}).encode(),
            {"Authorization": f"Basic {basic}", "Content-Type": "application/json"},
        )

    def token(self, source: str, client_id: str, secret: str) -> Response:
        form = urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
        return self.request(
            source, "POST", "/admin/oauth/token", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("failed-auth")
    clock = SharedClock(tmp / "clock")
    for url in fresh_database_url("postgresql", Path(tmp), migrated=True):
        engine = Engine.open(url, clock=clock)
        try:
            engine.create_tenant("acme")
            # Hashes carry their own cost: cheap ones here keep the servers' checks fast.
            identity = Identity(engine, IdentityConfig(argon2=CHEAP))
            spray = [f"spray{n}@example.com" for n in range(LIMITS.per_address)]
            for email in ("s1@example.com", "s2@example.com", *spray):
                identity.staff.create_staff_user("acme", email, f"right {email}", roles={"shop": "manager"})
            secrets = {}
            for name in ("c1", "c2"):
                created = identity.clients.create_client("acme", "admin:read", name=name)
                secrets[name] = created.client_id
                secrets[created.client_id] = created.secret
        finally:
            engine.close()
        servers = [start_server(url, clock=clock, workdir=tmp / "servers") for _ in range(2)]
        try:
            yield World(servers, clock, secrets)
        finally:
            for server in servers:
                server.stop()


def statuses(responses: list[Response]) -> list[int]:
    return [r.status for r in responses]


def test_guesses_from_one_address_are_refused_after_the_documented_limits(world: World) -> None:
    window = int(LIMITS.window.total_seconds())

    # 50 distinct wrong passwords for one staff user: the identity's limit.
    passwords = [world.login(ATTACKER, "s1@example.com", f"guess {n}") for n in range(50)]
    assert statuses(passwords) == [401] * LIMITS.per_identity + [429] * (50 - LIMITS.per_identity)
    # The clock stands still: the window, opened by the first failure, has all of it left.
    assert {r.headers["retry-after"] for r in passwords[LIMITS.per_identity :]} == {str(window)}

    # 50 distinct wrong secrets for one client: that identity's limit, from the same address.
    c1 = world.secrets["c1"]
    secrets = [world.token(ATTACKER, c1, f"cs_guess{n}") for n in range(50)]
    assert statuses(secrets) == [401] * LIMITS.per_identity + [429] * (50 - LIMITS.per_identity)
    assert secrets[-1].json()["error"] == "invalid_request" and secrets[-1].headers["retry-after"] == str(window)

    # Guesses spread over many identities meet the address's limit instead.
    left = LIMITS.per_address - 2 * LIMITS.per_identity
    sprayed = [world.login(ATTACKER, f"spray{n}@example.com", "guess") for n in range(left + 5)]
    assert statuses(sprayed) == [401] * left + [429] * 5
    # Over the limit, even the right password is refused unread: a 429 says nothing about it.
    assert world.login(ATTACKER, "s2@example.com", "right s2@example.com").status == 429
    assert world.token(ATTACKER, world.secrets["c2"], world.secrets[world.secrets["c2"]]).status == 429

    # Someone else, elsewhere, is not held up by the attacker's address...
    assert world.login(ELSEWHERE, "s2@example.com", "right s2@example.com").status == 201
    assert world.token(ELSEWHERE, world.secrets["c2"], world.secrets[world.secrets["c2"]]).status == 200
    # ...but the identities that were guessed at are locked for the window, whoever asks: the
    # documented price of a per-identity limit (docs/identity.md).
    assert world.login(ELSEWHERE, "s1@example.com", "right s1@example.com").status == 429
    assert world.token(ELSEWHERE, c1, world.secrets[c1]).status == 429

    # When the window has passed, everyone may try again.
    world.clock.advance(LIMITS.window + timedelta(seconds=1))
    assert world.login(ATTACKER, "s1@example.com", "guess again").status == 401
    assert world.login(ELSEWHERE, "s1@example.com", "right s1@example.com").status == 201
    assert world.token(ELSEWHERE, c1, world.secrets[c1]).status == 200
