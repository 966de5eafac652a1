"""SQLite writers of one process take turns on the file's writer lock (storage/database.py,
``Database._one_writer``) instead of meeting in SQLite's busy handler, which sleeps in growing
steps (up to 100 ms) however soon the file is free: a second writer is found waiting on the
lock, and goes on as soon as the first commits."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from harness import BARRIER_TIMEOUT_S
from sqlalchemy import text

from dbsupport import database_of
from voucher_engine import Engine

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

#: How long the test polls for the second writer to block: only a failing test gets there.
BLOCK_DEADLINE_S = 30.0


def _innermost_engine_frame(thread: threading.Thread) -> str | None:
    """The function of ``database.py`` the thread is in, innermost first (None: none yet)."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_filename.endswith("storage/database.py"):
            return frame.f_code.co_name
        frame = frame.f_back
    return None


def test_a_second_writer_waits_on_the_lock_and_not_in_sqlites_busy_handler(engine: Engine) -> None:
    db = database_of(engine)
    holding, done = threading.Event(), threading.Event()

    def first() -> None:
        with db.write() as conn:
            conn.execute(text("UPDATE tenants SET name = 'first' WHERE id = 'acme'"))
            holding.set()
            done.wait(BARRIER_TIMEOUT_S)

    def second() -> None:
        with db.write() as conn:
            conn.execute(text("UPDATE tenants SET name = 'second' WHERE id = 'acme'"))

    one = threading.Thread(target=first)
    one.start()
    assert holding.wait(BARRIER_TIMEOUT_S)
    two = threading.Thread(target=second)
    two.start()
    deadline = time.monotonic() + BLOCK_DEADLINE_S
    # Polling for a state (where the second writer blocks), not waiting for time to pass.
    while (where := _innermost_engine_frame(two)) not in {"_one_writer", "_begin"}:
        assert time.monotonic() < deadline, f"the second writer never blocked (in {where})"
        time.sleep(0.001)
    done.set()
    one.join(BARRIER_TIMEOUT_S)
    two.join(BARRIER_TIMEOUT_S)
    # "_begin": it would have been in BEGIN IMMEDIATE, in SQLite's busy handler.
    assert where == "_one_writer"
    with db.read() as conn:
        assert conn.execute(text("SELECT name FROM tenants WHERE id = 'acme'")).scalar_one() == "second"
