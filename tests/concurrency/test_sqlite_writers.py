"""SQLite writers of one process take turns on the file's writer lock (storage/database.py,
``Database._take_turn``) instead of meeting in SQLite's busy handler, which sleeps in growing
steps (up to 100 ms) however soon the file is free: a second writer arrives at the lock, not at
``BEGIN IMMEDIATE``, and goes on once the first commits.

Where the second writer first stops is told by a profile hook in its own thread (the lock's
``acquire`` called from ``_take_turn``, or ``Database._begin``, which sends ``BEGIN
IMMEDIATE``), so the test waits for an event, not for time. With the lock taken out of the
real code, the second writer arrives at ``_begin`` and the test fails.
"""

from __future__ import annotations

import sys
import threading
from types import FrameType
from typing import Any

import pytest
from harness import BARRIER_TIMEOUT_S
from sqlalchemy import text

from dbsupport import database_of
from voucher_engine import Engine

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_a_second_writer_waits_on_the_lock_and_not_in_sqlites_busy_handler(engine: Engine) -> None:
    db = database_of(engine)
    holding, done, arrived = threading.Event(), threading.Event(), threading.Event()
    where: list[str] = []

    def first() -> None:
        with db.write() as link:
            link.sql.execute(text("UPDATE tenants SET name = 'first' WHERE id = 'acme'"))
            holding.set()
            done.wait(BARRIER_TIMEOUT_S)

    def note(frame: FrameType, event: str, arg: Any) -> None:
        if arrived.is_set() or not frame.f_code.co_filename.endswith("storage/database.py"):
            return
        name = frame.f_code.co_name
        at_lock = event == "c_call" and name == "_take_turn" and getattr(arg, "__name__", "") == "acquire"
        if at_lock or (event == "call" and name == "_begin"):
            where.append(name)
            arrived.set()

    def second() -> None:
        sys.setprofile(note)
        try:
            with db.write() as link:
                link.sql.execute(text("UPDATE tenants SET name = 'second' WHERE id = 'acme'"))
        finally:
            sys.setprofile(None)

    one = threading.Thread(target=first)
    one.start()
    assert holding.wait(BARRIER_TIMEOUT_S)
    two = threading.Thread(target=second)
    two.start()
    assert arrived.wait(BARRIER_TIMEOUT_S)
    done.set()
    one.join(BARRIER_TIMEOUT_S)
    two.join(BARRIER_TIMEOUT_S)
    assert where == ["_take_turn"]  # ["_begin"]: in BEGIN IMMEDIATE, SQLite's busy handler
    with db.read() as conn:
        assert conn.execute(text("SELECT name FROM tenants WHERE id = 'acme'")).scalar_one() == "second"
