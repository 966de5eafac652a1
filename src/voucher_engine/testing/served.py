"""The app a server started by the kit runs (a uvicorn factory, in the server process).

Like ``voucher_engine_litestar.create_app_from_env``, plus what only tests may do: the plugins
to load (``$VOUCHER_ENGINE_TESTING_PLUGINS``, module names; unset: the entry points, as in
production) and the clock (``$VOUCHER_ENGINE_TESTING_CLOCK_FILE``, the file a test's
``SharedClock`` writes). The kit's parent-side code never imports this module: only the
server process does, so the core stays free of the web framework everywhere else.
"""

from __future__ import annotations

import importlib
import os
import threading

from litestar import Litestar

from voucher_engine import Engine
from voucher_engine.config import load_config
from voucher_engine.config.loading import declared_sections
from voucher_engine.delivery.worker import start_worker_thread
from voucher_engine.plugins import PluginSettings
from voucher_engine.testing.clock import CLOCK_FILE_VARIABLE, FileClock
from voucher_engine_litestar import configure_json_logging
from voucher_engine_litestar import create_app as build_app
from voucher_engine_litestar.app import (
    MOUNTS_VARIABLE,
    URL_VARIABLE,
    WORKER_VARIABLE,
    parse_mounts,
)

PLUGINS_VARIABLE = "VOUCHER_ENGINE_TESTING_PLUGINS"
ACCESS_LOG_VARIABLE = "VOUCHER_ENGINE_TESTING_ACCESS_LOG"


def plugin_settings() -> PluginSettings:
    names = os.environ.get(PLUGINS_VARIABLE)
    if names is None:
        return PluginSettings()
    modules = tuple(importlib.import_module(name) for name in filter(None, names.split(",")))
    return PluginSettings(load_entry_points=False, extra=modules)


def create_app() -> Litestar:
    configure_json_logging()
    clock_file = os.environ.get(CLOCK_FILE_VARIABLE)
    plugins = plugin_settings()
    # The configuration file and variables too, as in production (the engine's write budget,
    # the webhook guard the admin API applies, providers' settings).
    config = load_config(sections=declared_sections(plugins))
    engine = Engine.open(
        os.environ[URL_VARIABLE],
        clock=FileClock(clock_file) if clock_file else None,
        plugins=plugins,
        config=config.engine_config(),
    )
    try:
        config.apply(engine)
        app = build_app(
            engine,
            mounts=parse_mounts(os.environ.get(MOUNTS_VARIABLE, "")) or None,
            access_log=os.environ.get(ACCESS_LOG_VARIABLE, "0") == "1",
            metrics_token=config.server.metrics_token,
        )
    except BaseException:
        engine.close()
        raise
    if os.environ.get(WORKER_VARIABLE, "0") == "1":
        stop = threading.Event()
        threads: list[threading.Thread] = []
        settings = config.delivery_settings()
        app.on_startup.append(lambda: threads.append(start_worker_thread(engine, stop=stop, settings=settings)))

        def stop_workers() -> None:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)

        app.on_shutdown.append(stop_workers)
    app.on_shutdown.append(engine.close)
    return app
