"""The app of a served Jackpot deployment whose operator lets the admin API and the worker
reach a receiver on loopback (the kit's own app keeps the admin API at its safe default).

A uvicorn factory for the test kit's ``start_server(app="jackpot_served_app:create_app")``,
imported only in that server process: the kit's app (plugins and shared clock from the kit's
variables) plus ``voucher_engine_admin.configure`` with loopback allowed, and the worker the
server runs (``start_worker_thread``, as ``voucher-engine serve`` runs it).
"""

from __future__ import annotations

import os
import threading

from litestar import Litestar

import voucher_engine_admin
from voucher_engine import Engine
from voucher_engine.config import load_config
from voucher_engine.delivery import DeliverySettings, Webhooks
from voucher_engine.delivery.worker import start_worker_thread
from voucher_engine.testing.clock import CLOCK_FILE_VARIABLE, FileClock
from voucher_engine.testing.served import plugin_settings
from voucher_engine_litestar import create_app as build_app
from voucher_engine_litestar.app import MOUNTS_VARIABLE, URL_VARIABLE, parse_mounts

#: Loopback allowed; a short poll so that a test waits for deliveries a tenth of a second, not one.
LOOPBACK = DeliverySettings(allowed_networks=("127.0.0.1/32",), poll_interval_s=0.1)


def create_app() -> Litestar:
    engine = Engine.open(
        os.environ[URL_VARIABLE], clock=FileClock(os.environ[CLOCK_FILE_VARIABLE]), plugins=plugin_settings()
    )
    # The configuration's provider settings (variables only, as the kit passes them), then
    # loopback for the admin API's webhook guard.
    load_config(sections=engine.hooks.settings_sections()).apply(engine)
    voucher_engine_admin.configure(engine, webhooks=Webhooks(engine, LOOPBACK))
    app = build_app(engine, mounts=parse_mounts(os.environ.get(MOUNTS_VARIABLE, "")) or None)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    app.on_startup.append(lambda: threads.append(start_worker_thread(engine, stop=stop, settings=LOOPBACK)))
    app.on_shutdown.append(lambda: (stop.set(), [t.join(timeout=30) for t in threads]))
    app.on_shutdown.append(engine.close)
    return app
