"""Keeping leases alive: while a worker works on a delivery or a job, a thread of the worker
extends that one row's lease every ``renew_every_s``, so the lease never runs out under a live
worker however long the work takes (a slow receiver, a long job). A worker that dies renews
nothing: its leases run out after at most ``lease_s`` and another worker takes the work again.

Each row has its own lease token; a renewal changes the row only under that token, so a worker
that lost a lease (it was stalled past the lease, and another worker has claimed the row) can
never take it back.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import Table, bindparam, update

from voucher_engine.delivery.settings import DeliverySettings
from voucher_engine.engine import Engine
from voucher_engine.engine.base import Tx

log = logging.getLogger("voucher_engine.delivery")


def renew_leases(engine: Engine, settings: DeliverySettings, table: Table, held: dict[str, str]) -> set[str]:
    """Extend the leases ``held`` (row id -> lease token) of ``table`` to ``lease_s`` from now;
    returns the ids whose lease is no longer this token's (lost, or released meanwhile)."""
    if not held:
        return set()
    c = table.c
    renew = (
        update(table)
        .where(c.id == bindparam("b_id"), c.lease_token == bindparam("b_token"))
        .values(lease_until=bindparam("b_until"))
    )

    def body(tx: Tx) -> set[str]:
        until = tx.now + timedelta(seconds=settings.lease_s)
        # One statement per row: the count of an executemany is not reliable on every driver.
        return {
            row_id
            for row_id, token in sorted(held.items())
            if not tx.conn.execute(renew, {"b_id": row_id, "b_token": token, "b_until": until}).rowcount
        }

    return engine._housekeeping(body)


class LeaseKeeper:
    """The leases one worker holds, renewed by a daemon thread while they are held."""

    def __init__(self, engine: Engine, settings: DeliverySettings) -> None:
        self.engine = engine
        self.settings = settings
        self._held: dict[Table, dict[str, str]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, table: Table, row_id: str, token: str) -> None:
        with self._lock:
            self._held.setdefault(table, {})[row_id] = token
            if self._thread is None:  # started on first use: a worker that never claims has none
                self._thread = threading.Thread(target=self._run, name="voucher-engine-leases", daemon=True)
                self._thread.start()

    def release(self, table: Table, row_id: str) -> None:
        with self._lock:
            self._held.get(table, {}).pop(row_id, None)

    def held(self, table: Table) -> dict[str, str]:
        with self._lock:
            return dict(self._held.get(table, {}))

    def renew(self) -> None:
        """Renew every held lease now (the thread does this every ``renew_every_s``)."""
        with self._lock:
            tables = list(self._held)
        for table in tables:
            held = self.held(table)
            lost = renew_leases(self.engine, self.settings, table, held)
            with self._lock:
                current = self._held.get(table, {})
                # Released while renewing is not lost: its outcome cleared the token first.
                really_lost = {row_id for row_id in lost if current.get(row_id) == held[row_id]}
                for row_id in really_lost:
                    del current[row_id]
            for row_id in sorted(really_lost):
                log.warning("%s %s: lease lost while working on it (another worker may take it)", table.name, row_id)

    def _run(self) -> None:
        while not self._stop.wait(self.settings.renew_every_s):
            try:
                self.renew()
            except Exception:  # any: a failed renewal is tried again at the next tick
                log.exception("renewing leases failed")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
