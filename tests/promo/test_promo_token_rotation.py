"""A rotated distributor token stops working at once, across processes.

The provider names a token it has seen before from memory (no round trip), and the issuing
transaction checks that the token is still current (identity/distributors.py). Here a real
server process serves and remembers the token; this test process rotates it; the server's very
next request with the old token is refused, with or without an Idempotency-Key it already
answered, and writes nothing. The new token works at once.
"""

from __future__ import annotations

from typing import Any

from promo_support import PATH, add_campaign, bearer, body, new_distributor, open_promo_engine, written

from voucher_engine.identity import Identity
from voucher_engine.testing import send


def test_a_rotated_token_is_refused_by_another_process_at_once(promo_url: str, start_server: Any) -> None:
    with open_promo_engine(promo_url) as engine:
        engine.create_tenant("acme")
        add_campaign(engine, "acme", "CAMP-1", [f"BET-{i:04d}" for i in range(5)], ends_at=None)
        old = new_distributor(engine, "acme", "DIST-001")
        server = start_server(promo_url)
        conn = server.connection()
        try:

            def post(token: str, key: str | None = None) -> tuple[int, dict[str, str]]:
                headers = {**bearer(token), **({"Idempotency-Key": key} if key else {})}
                reply = send(conn, "POST", PATH, body(), headers)
                return reply.status, reply.json()

            assert post(old)[0] == 200  # the server process now remembers this token
            status, first = post(old, "receipt-1")
            assert status == 200
            assert post(old, "receipt-1") == (200, first)  # a replay, while the token is current

            new = Identity(engine).distributors.rotate_distributor_token("acme", "DIST-001")
            before = written(engine)
            # The replay first: the server still remembers the old token, so only the issuing
            # transaction's check stands between it and the saved answer.
            assert post(old, "receipt-1") == (401, {"message": "unauthorized"})
            assert post(old) == (401, {"message": "unauthorized"})
            assert post(old, "receipt-2") == (401, {"message": "unauthorized"})
            assert written(engine) == before

            assert post(new, "receipt-1") == (200, first)  # the key is the distributor's, not the token's
            assert post(new)[0] == 200
            assert post(old) == (401, {"message": "unauthorized"})  # and stays refused
        finally:
            conn.close()
