"""Relays racing in threads fan every event out exactly once: one dispatch row, one delivery
per endpoint and one observer call per event, and nothing left in the queue.

Two things keep a batch to one relay: the queue rows it deletes (``DELETE ... RETURNING``;
on PostgreSQL their row locks, ``FOR UPDATE SKIP LOCKED`` for the others; on SQLite one
writer at a time), and ``outbox_dispatch``'s primary key, which skips an event another relay
has dispatched."""

from __future__ import annotations

import threading
from collections import Counter

from harness import TENANT, race
from sqlalchemy import func, select

from dbsupport import database_of
from voucher_engine import Engine, EngineConfig, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks
from voucher_engine.delivery.relay import dispatch_outbox
from voucher_engine.hookspecs import hookimpl
from voucher_engine.plugins import PluginSettings
from voucher_engine.storage.delivery_tables import outbox_dispatch, outbox_pending, webhook_deliveries

RELAYS = 4
EVENTS = 120


class _Observer:
    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    @hookimpl
    def voucher_engine_event_committed(self, event):
        with self.lock:
            self.seen[event.event_id] += 1


def test_relays_racing_in_threads_fan_every_event_out_once(database_url):
    observer = _Observer()
    engine = Engine.open(
        database_url,
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(observer,)),
    )
    try:
        engine.create_tenant(TENANT)
        Webhooks(engine, resolve=lambda host, port: ["93.184.216.34"]).create_endpoint(
            TENANT, "https://receiver.example/hook"
        )
        for _ in range(EVENTS):
            engine.issue(TENANT, VoucherSpec(VoucherKind.SINGLE_USE))
        written = {e.event_id for e in engine.events(TENANT, limit=EVENTS + 10)}
        assert len(written) == EVENTS

        def relay(_: int) -> int:
            dispatched = 0
            while batch := dispatch_outbox(engine, limit=7):
                dispatched += batch
            return dispatched

        outcome = race(RELAYS, relay)
        assert outcome.errors == []
        assert sum(outcome.results) == EVENTS
        with database_of(engine).sa.connect() as conn:
            per_event = Counter(conn.execute(select(webhook_deliveries.c.outbox_id)).scalars())
            dispatched = conn.execute(select(func.count()).select_from(outbox_dispatch)).scalar_one()
            pending = conn.execute(select(func.count()).select_from(outbox_pending)).scalar_one()
        assert len(per_event) == EVENTS and set(per_event.values()) == {1}
        assert dispatched == EVENTS and pending == 0
        assert set(observer.seen) == written and set(observer.seen.values()) == {1}
    finally:
        engine.close()
