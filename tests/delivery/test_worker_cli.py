"""``voucher-engine worker`` as an operator runs it: a real process delivering real webhooks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from standardwebhooks import Webhook

from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine.delivery import Webhooks
from voucher_engine.testing import LOOPBACK, free_port

DEADLINE_S = 60.0


def test_the_worker_command_delivers_events_and_stops_cleanly_on_sigterm(engine, database_url, receiver):
    secret = Webhooks(engine, LOOPBACK).create_endpoint("acme", receiver.url).secret
    engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR")), code="CLI-1")
    engine.redeem("acme", code="CLI-1", amount=Money.parse("1.00", "EUR"))
    expected = [e.event_id for e in engine.events("acme")]
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voucher_engine.cli",
            "worker",
            "--url",
            database_url,
            "--allow-network",
            "127.0.0.1/32",
            "--id",
            "cli",
        ],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + DEADLINE_S
        # Polling another process's progress: there is nothing to be told about.
        while sorted(receiver.ids()) != sorted(expected):
            assert time.monotonic() < deadline, f"got {receiver.ids()}, want {expected}"
            assert worker.poll() is None, "the worker exited early"
            time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGTERM)
        status = worker.wait(timeout=DEADLINE_S)
    assert status == 0
    verifier = Webhook(secret)
    assert sorted(verifier.verify(r.body, r.headers)["type"] for r in receiver.received) == [
        "voucher.issued",
        "voucher.redeemed",
    ]


def test_the_server_delivers_webhooks_in_process_by_default(engine, database_url, receiver):
    Webhooks(engine, LOOPBACK).create_endpoint("acme", receiver.url)
    engine.issue("acme", VoucherSpec(VoucherKind.SINGLE_USE), code="SERVED-1")
    expected = [e.event_id for e in engine.events("acme")]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voucher_engine.cli",
            "serve",
            "--url",
            database_url,
            "--port",
            str(free_port()),
            "--webhook-network",
            "127.0.0.1/32",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + DEADLINE_S
        while receiver.ids() != expected:  # polling another process: nothing to be told about
            assert time.monotonic() < deadline, f"got {receiver.ids()}, want {expected}"
            assert server.poll() is None, "the server exited early"
            time.sleep(0.05)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=DEADLINE_S)
    assert Webhooks(engine, LOOPBACK).deliveries("acme", status="succeeded")[0].event_id == expected[0]
