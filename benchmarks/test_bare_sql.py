"""The bare baselines send exactly the engine's statements, in the engine's order.

Each engine operation runs once with a statement listener on its SQLAlchemy engine; the bare
function runs once with its trace on; the two lists of SQL texts must be equal. This is what
makes "engine ops/s divided by bare ops/s" a measure of the engine's overhead and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

import bare
from benchsupport import TENANT, database_of, seed_outbox, seed_vouchers
from voucher_engine import Engine
from voucher_engine.delivery import Webhooks
from voucher_engine.delivery.relay import dispatch_outbox
from voucher_engine.domain.money import Money
from voucher_engine.identity import Identity
from voucher_engine.storage import direct


@contextmanager
def engine_statements(engine: Engine) -> Iterator[list[str]]:
    sent: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany) -> None:
        # The COMMIT the engine sends in one pipeline with its last writes on PostgreSQL
        # (storage/database.py) is transaction control, as the bare driver's commit() is.
        if statement != "COMMIT":
            sent.append(statement)

    # The hot statements go to the driver directly (storage/direct.py), past the listener.
    event.listen(database_of(engine).sa, "before_cursor_execute", listen)
    try:
        with direct.observe(sent.append):
            yield sent
    finally:
        event.remove(database_of(engine).sa, "before_cursor_execute", listen)


@contextmanager
def bare_statements(db: bare.BareDb) -> Iterator[list[str]]:
    db.trace = []
    try:
        yield db.trace
    finally:
        db.trace = None


def test_pop_code_sends_the_engine_statements(world) -> None:
    engine = world.engine
    for pool in ("sql-e", "sql-b"):
        engine.create_pool(TENANT, pool)
        engine.add_codes(TENANT, pool, [f"{pool}-{i}" for i in range(3)])
    db = bare.connect(world.url, world.statements)
    with engine_statements(engine) as sent:
        issued = engine.pop_code(TENANT, "sql-e")
    with bare_statements(db) as traced:
        code = bare.pop_code(db, TENANT, "sql-b")
    db.close()
    assert (issued.code, code) == ("sql-e-0", "sql-b-0")
    assert traced == sent


def test_redeem_and_hold_capture_send_the_engine_statements(world) -> None:
    engine = world.engine
    mine, theirs = seed_vouchers(engine, "sqlm", 2, kind="monetary", initial=10_000, currency="EUR")
    db = bare.connect(world.url, world.statements)
    with engine_statements(engine) as sent:
        engine.redeem(TENANT, code=mine, amount=Money(7, "EUR"))
        held = engine.hold(TENANT, code=mine, amount=Money(5, "EUR"))
        engine.capture(TENANT, held.hold_id)
    with bare_statements(db) as traced:
        left = bare.redeem(db, TENANT, theirs, 7)
        bare.capture(db, TENANT, bare.hold(db, TENANT, theirs, 5))
    db.close()
    assert left == 10_000 - 7
    assert engine.get_voucher(TENANT, code=theirs).available == engine.get_voucher(TENANT, code=mine).available
    assert traced == sent


def test_single_use_redeem_sends_the_engine_statements(world) -> None:
    engine = world.engine
    mine, theirs = seed_vouchers(engine, "sqls", 2, kind="single_use", initial=1)
    db = bare.connect(world.url, world.statements)
    with engine_statements(engine) as sent:
        engine.redeem(TENANT, code=mine)
    with bare_statements(db) as traced:
        left = bare.redeem(db, TENANT, theirs, 1)
    db.close()
    assert left == 0
    assert engine.get_voucher(TENANT, code=theirs).state.value == "redeemed"
    assert traced == sent


def test_relay_sends_the_engine_statements(world) -> None:
    engine = world.engine
    Webhooks(engine, resolve=lambda host, port: ["93.184.216.34"]).create_endpoint(
        TENANT, "https://receiver.example/hook"
    )
    while dispatch_outbox(engine):
        pass  # what earlier tests left behind
    seed_outbox(engine, 20)
    db = bare.connect(world.url, world.statements)
    with engine_statements(engine) as sent:
        assert dispatch_outbox(engine, limit=10) == 10
    with bare_statements(db) as traced:
        assert bare.dispatch_outbox(db, limit=10) == 10
    db.close()
    assert traced == sent


def test_promo_issuance_sends_the_engine_statements(world) -> None:
    engine = world.engine
    for suffix in ("e", "b"):
        engine.create_pool(TENANT, f"promo-{suffix}")
        engine.add_codes(TENANT, f"promo-{suffix}", [f"P{suffix}{i}" for i in range(3)])
        engine.put_campaign(
            TENANT,
            f"CAMP-{suffix}",
            name="c",
            pool_id=f"promo-{suffix}",
            trigger_categories=[f"CAT-{suffix}"],
            distributors=["DIST-1"],
        )
    token = Identity(engine).distributors.create_distributor(TENANT, "DIST-1")
    db = bare.connect(world.url, world.statements)
    with engine_statements(engine) as sent:
        who = Identity(engine).authenticate_distributor(token)
        issued = engine.issue_for_trigger(
            who.tenant_id, category="CAT-e", distributor=who.distributor_id, attributes={"terminal": "T1"}
        )
    with bare_statements(db) as traced:
        tenant, distributor = bare.authenticate_distributor(db, token)
        campaign, code, _, _ = bare.issue_for_trigger(db, tenant, "CAT-b", distributor, {"terminal": "T1"})
    db.close()
    assert (issued.campaign_id, issued.code, campaign, code) == ("CAMP-e", "Pe0", "CAMP-b", "Pb0")
    assert traced == sent
