"""The relay takes its batches from the queue of undispatched events (``outbox_pending``, filled
by a trigger on ``outbox``, migration 0013), never from the outbox's history.

- A round with one new event reads as much after 2,000 dispatched events as with none: on
  SQLite counted in the virtual machine's steps (a progress handler on the relay's connection),
  on PostgreSQL in the rows the round's transaction fetched (``pg_stat_xact_user_tables``, read
  in that transaction). Before the queue the round walked every dispatched event in front of
  the first new one, and both counts grew with the history.
- An event whose transaction commits after later events were dispatched is still dispatched
  (PostgreSQL: SQLite's writers take turns, so nothing commits out of order there).
- Migration 0013 queues exactly the events that had no dispatch row, and its downgrade removes
  the trigger and the table.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, func, insert, inspect, select, text

from dbsupport import database_of, open_engine
from voucher_engine import Engine
from voucher_engine.delivery.relay import dispatch_outbox
from voucher_engine.storage import migrate
from voucher_engine.storage.database import Database
from voucher_engine.storage.delivery_tables import outbox_dispatch, outbox_pending
from voucher_engine.storage.tables import outbox

TENANT = "acme"
HISTORY = 2_000


def _events(count: int, start: int = 0) -> list[dict]:
    now = datetime.now(UTC)
    return [
        {
            "event_id": f"evt_q{i:07d}",
            "tenant_id": TENANT,
            "type": "voucher.redeemed",
            "subject_id": f"vch_{i}",
            "payload": {"type": "voucher.redeemed", "seq": i},
            "created_at": now,
        }
        for i in range(start, start + count)
    ]


def _write_events(engine: Engine, rows: list[dict]) -> None:
    """Outbox rows as the money paths leave them (the trigger queues each)."""
    with database_of(engine).write() as link:
        link.sql.execute(insert(outbox), rows)


class _RoundCost:
    """What one relay round reads: SQLite's virtual machine steps, or PostgreSQL's rows fetched
    by the round's transaction from the outbox and its two side tables."""

    _FETCHED = (
        "SELECT coalesce(sum(idx_tup_fetch + seq_tup_read), 0) FROM pg_stat_xact_user_tables"
        " WHERE relname IN ('outbox', 'outbox_pending', 'outbox_dispatch')"
    )

    def __init__(self, engine: Engine) -> None:
        self.db = database_of(engine)
        self.steps = 0

    def _step(self) -> int:
        self.steps += 1
        return 0  # go on

    def __call__(self, engine: Engine) -> int:
        self.steps = 0
        sa = self.db.sa

        def on_checkout(dbapi_connection, _record, _proxy) -> None:
            if self.db.dialect == "sqlite":
                dbapi_connection.set_progress_handler(self._step, 1)

        def on_checkin(dbapi_connection, _record) -> None:
            if self.db.dialect == "sqlite" and dbapi_connection is not None:
                dbapi_connection.set_progress_handler(None, 1)

        readings: list[int] = []

        def probe(cursor) -> None:
            # On the round's connection, before its first statement and after each. The view also
            # holds what earlier transactions of this backend have not flushed yet: the
            # difference between the first reading and the last is the round's.
            if self.db.dialect == "postgresql":
                with cursor.connection.cursor() as reading:
                    if not readings:
                        # Before BEGIN goes out: earlier transactions' counts still pending in
                        # this backend are flushed now, not between this reading and the last
                        # (which read -8,001 once).
                        reading.execute("SELECT pg_stat_force_next_flush()")
                    reading.execute(self._FETCHED)
                    readings.append(int(reading.fetchone()[0]))

        def before_execute(conn, cursor, statement, parameters, context, executemany) -> None:
            if not readings:
                probe(cursor)

        def after_execute(conn, cursor, statement, parameters, context, executemany) -> None:
            probe(cursor)

        listeners = (
            ("checkout", on_checkout),
            ("checkin", on_checkin),
            ("before_cursor_execute", before_execute),
            ("after_cursor_execute", after_execute),
        )
        for name, listener in listeners:
            event.listen(sa, name, listener)
        writer = None
        if self.db.dialect == "sqlite":
            with self.db.write() as link:  # the connection every write runs on, the round's too
                writer = link.raw
            writer.set_progress_handler(self._step, 1)
        try:
            dispatched = dispatch_outbox(engine)
        finally:
            for name, listener in listeners:
                event.remove(sa, name, listener)
            if writer is not None:
                writer.set_progress_handler(None, 1)
        assert dispatched == 1
        return self.steps if self.db.dialect == "sqlite" else readings[-1] - readings[0]


def test_a_round_reads_as_much_after_a_long_history_as_with_none(database_url):
    engine = open_engine(database_url)
    try:
        engine.create_tenant(TENANT)
        cost = _RoundCost(engine)
        _write_events(engine, _events(1))
        fresh = cost(engine)
        _write_events(engine, _events(HISTORY, start=1))
        assert dispatch_outbox(engine, limit=HISTORY) == HISTORY
        _write_events(engine, _events(1, start=HISTORY + 1))
        after_history = cost(engine)
        # A seek is one step whatever the index's depth; the rows a round fetches are its own.
        assert fresh > 0
        assert after_history == fresh
    finally:
        engine.close()


def test_an_event_committed_after_later_ones_were_dispatched_is_dispatched(pg_url):
    engine = open_engine(pg_url)
    try:
        engine.create_tenant(TENANT)
        holder = database_of(engine).sa.connect()
        late = holder.begin()
        # Takes its id from the sequence now, commits last.
        late_id = holder.execute(insert(outbox).returning(outbox.c.id), _events(1, start=900)[0]).scalar_one()
        _write_events(engine, _events(3, start=901))
        assert dispatch_outbox(engine) == 3  # ids above the uncommitted one
        late.commit()
        holder.close()
        assert dispatch_outbox(engine) == 1
        with database_of(engine).sa.connect() as conn:
            dispatched = conn.execute(select(outbox_dispatch.c.outbox_id)).scalars().all()
            pending = conn.execute(select(func.count()).select_from(outbox_pending)).scalar_one()
        assert late_id in dispatched and len(dispatched) == 4
        assert pending == 0
    finally:
        engine.close()


def test_migration_0013_queues_the_undispatched_events_and_goes_back(database_url):
    db = Database(database_url)
    try:
        migrate.upgrade(db, "0012")
        rows = _events(5)
        with db.sa.begin() as conn:
            conn.execute(
                text("INSERT INTO tenants (id, name, created_at) VALUES ('acme', 'acme', :now)"),
                {"now": rows[0]["created_at"]},
            )
            conn.execute(insert(outbox), rows)
            ids = conn.execute(select(outbox.c.id).order_by(outbox.c.id)).scalars().all()
            conn.execute(
                insert(outbox_dispatch),
                [{"outbox_id": i, "deliveries": 0, "dispatched_at": rows[0]["created_at"]} for i in ids[:2]],
            )
        migrate.upgrade(db, "0013")
        with db.sa.begin() as conn:
            assert (
                conn.execute(select(outbox_pending.c.outbox_id).order_by(outbox_pending.c.outbox_id)).scalars().all()
                == ids[2:]
            )
            conn.execute(insert(outbox), _events(1, start=5))  # the trigger queues it
            assert conn.execute(select(func.count()).select_from(outbox_pending)).scalar_one() == 4
        migrate.downgrade(db, "0012")
        with db.sa.begin() as conn:
            conn.execute(insert(outbox), _events(1, start=6))  # no trigger left to fail it
            assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 7
            assert "outbox_pending" not in inspect(conn).get_table_names()
    finally:
        db.dispose()
