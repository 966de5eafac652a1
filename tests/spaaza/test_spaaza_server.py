"""The seed's sample request once against a real server process (the kit's ``ve_server``),
with the provider mounted at "/" as a drop-in for Spaaza's host: byte for byte over a socket,
answered in the seed's shape, and the voucher claimed and locked in the database."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from spaaza_support import (
    CHAIN,
    SEED_BODY,
    SEED_CREATED,
    SEED_KEY,
    STAFF_EMAIL,
    STAFF_PASSWORD,
    TENANT,
    USER_ID,
    add_user,
    assert_seed_shape,
    holder,
    issue,
    open_spaaza_engine,
    set_up_chain,
)

import voucher_engine_spaaza
from voucher_engine import State
from voucher_engine.identity import Identity


def test_the_seed_request_against_a_real_server(ve_server, ve_database_url, ve_clock):
    ve_clock.set(SEED_CREATED)
    engine = open_spaaza_engine(ve_database_url, ve_clock)
    try:
        set_up_chain(engine, TENANT)
        add_user(engine, TENANT, USER_ID, card_number="20000000001")
        voucher = issue(engine, code=SEED_KEY)
        engine.shared(Identity).staff.create_staff_user(
            TENANT,
            STAFF_EMAIL,
            STAFF_PASSWORD,
            full_name="Admin Spaaza",
            roles={voucher_engine_spaaza.STAFF_SCOPE: "admin"},
        )
        ve_clock.advance(1)
        server = ve_server(plugins=[voucher_engine_spaaza], mounts={"spaaza": "/"})

        login = server.request(
            "POST",
            "/auth/login",
            data=urlencode({"username": STAFF_EMAIL, "password": STAFF_PASSWORD, "chain_id": str(CHAIN)}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert login.status == 200, login.body
        session = login.json()["results"]["session"]
        answer = server.request(
            "POST",
            "/claim-vouchers",
            data=SEED_BODY,
            headers={
                "Content-Type": "application/json",
                "X-Spaaza-Session-User-Id": str(session["user_id"]),
                "X-Spaaza-Session-Key": session["session_key"],
            },
        )

        assert answer.status == 200, answer.body
        assert answer.headers["content-type"].startswith("application/json")
        body = answer.json()
        assert body["result"] == {"code": 1, "status": "ok"}
        [shown] = body["results"]["vouchers"]
        assert_seed_shape(shown)
        assert (shown["voucher_key"], shown["user_id"], shown["voucher_status"], shown["voucher_locked"]) == (
            SEED_KEY,
            USER_ID,
            "claimed",
            True,
        )
        stored = engine.get_voucher(TENANT, voucher_id=voucher.id)
        assert (stored.state, stored.holder) == (State.CLAIMED, holder(engine, USER_ID))
        assert stored.locked_until == SEED_CREATED + timedelta(seconds=1 + 3600)
    finally:
        engine.close()
