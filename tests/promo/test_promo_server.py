"""The seed's sample cURL, sent as written, and every row of the seed's error table, against a
real uvicorn process serving the provider at "/" (``VOUCHER_ENGINE_MOUNTS=promo=/``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime

from promo_support import PATH, add_campaign, bearer, body, new_distributor, open_promo_engine, written
from sqlalchemy import update

from dbsupport import database_of
from voucher_engine.storage.tables import campaigns
from voucher_engine.testing import send

END = datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC)
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def seed_curl(base: str, token: str) -> list[str]:
    """The seed's sample cURL with our host for theirs and the token filled in; ``-s -w``
    only make curl print the status after the body."""
    return [
        "curl",
        "-X",
        "POST",
        f"{base}/api/v1/voucher/request",
        "-H",
        "Content-Type: application/json",
        "-H",
        f"Authorization: Bearer {token}",
        "-d",
        '{\n    "distributor_id": "DIST-001",\n    "terminal_id": "AT-998877",\n'
        '    "trigger_category_id": "PAY",\n    "trigger_product_id": "PaysafeCard"\n  }',
        "-s",
        "-w",
        "\n%{http_code}",
    ]


def test_the_seed_exchange_against_a_real_server(promo_url, start_server):
    # The seed's exchange is a cURL command: sent by curl itself, byte for byte.
    assert shutil.which("curl") is not None, "curl is needed to replay the seed's sample request"
    with open_promo_engine(promo_url) as engine:
        engine.create_tenant("acme")
        add_campaign(engine, "acme", "CAMP-BETATHOME-001", ["BET-ABC-123456", "BET-DEF-234567"], ends_at=END)
        token = new_distributor(engine, "acme", "DIST-001")
        other = new_distributor(engine, "acme", "DIST-002")
        server = start_server(promo_url)

        out = subprocess.run(seed_curl(server.url, token), capture_output=True, text=True, timeout=30, check=True)
        answer, status = out.stdout.rsplit("\n", 1)
        assert status == "200", out.stdout
        issued = json.loads(answer)
        assert set(issued) == {"campaign_id", "voucher_code", "expiry_date", "issued_at"}
        assert all(isinstance(value, str) for value in issued.values())
        assert (issued["campaign_id"], issued["voucher_code"]) == ("CAMP-BETATHOME-001", "BET-ABC-123456")
        assert issued["expiry_date"] == "2030-12-31T23:59:59Z"
        assert ISO_UTC.match(issued["issued_at"])

        conn = server.connection()
        try:

            def answer_of(method: str, data: bytes | None, headers: dict[str, str]) -> tuple[int, dict]:
                reply = send(conn, method, PATH, data, headers)
                return reply.status, reply.json()

            before = written(engine)
            for expected, method, data, headers in [
                ((400, "invalid request"), "POST", b'{"distributor_id": "DIST-0', bearer(token)),
                ((400, "invalid request"), "POST", body(terminal_id=None), bearer(token)),
                ((401, "unauthorized"), "POST", body(), {"Content-Type": "application/json"}),
                ((401, "unauthorized"), "POST", body(), bearer(other)),
                ((405, "method not allowed"), "GET", None, bearer(token)),
                ((409, "voucher unavailable"), "POST", body(trigger_category_id="TRV"), bearer(token)),
            ]:
                status, error = answer_of(method, data, headers)
                assert (status, error) == (expected[0], {"message": expected[1]}), (method, data)
            assert written(engine) == before

            assert answer_of("POST", body(), bearer(token))[1]["voucher_code"] == "BET-DEF-234567"
            depleted = written(engine)
            assert answer_of("POST", body(), bearer(token)) == (409, {"message": "voucher unavailable"})

            with database_of(engine).write() as link:  # damage the campaign row behind the engine's back
                link.sql.execute(update(campaigns).values(trigger_categories=17))
            assert answer_of("POST", body(), bearer(token)) == (500, {"message": "internal server error"})
            assert written(engine) == depleted
        finally:
            conn.close()
