"""The composition root of the HTTP adapter: an engine in, a Litestar app out."""

from __future__ import annotations

import gc
import threading

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from voucher_engine import Engine, __version__
from voucher_engine.config import Config, load_config
from voucher_engine.delivery import DeliverySettings
from voucher_engine.delivery.worker import start_worker_thread
from voucher_engine.errors import ValidationError
from voucher_engine_litestar.logs import configure_json_logging, configure_text_logging
from voucher_engine_litestar.plugin import (
    DEFAULT_MAX_BODY_BYTES,
    Mounts,
    VoucherEnginePlugin,
    plan_mounts,
)
from voucher_engine_litestar.ratelimit import RateLimit

URL_VARIABLE = "VOUCHER_ENGINE_URL"
#: Where ``create_app_from_env`` mounts providers: "promo=/" or "promo=/,promo=/promo,jtl=/v2".
MOUNTS_VARIABLE = "VOUCHER_ENGINE_MOUNTS"
#: "0" keeps webhook delivery and jobs out of the server processes (run ``voucher-engine worker``).
WORKER_VARIABLE = "VOUCHER_ENGINE_WORKER"
#: Private networks webhooks may reach, comma-separated CIDRs (none by default).
NETWORKS_VARIABLE = "VOUCHER_ENGINE_WEBHOOK_NETWORKS"

__all__ = ["Mounts", "create_app", "create_app_from_env", "plan_mounts"]


def create_app(
    engine: Engine,
    *,
    mounts: Mounts | None = None,
    debug: bool = False,
    access_log: bool = False,
    metrics: bool = True,
    metrics_token: str | None = None,
    rate_limit: RateLimit | None = None,
    max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
) -> Litestar:
    """An app serving ``engine`` and every provider its plugins register.

    ``mounts`` moves a provider from its default ``/{name}`` prefix, e.g. ``{"promo": "/"}`` so
    that a client written for the partner's original host works unchanged, or serves it under
    several prefixes at once (``{"promo": ["/", "/promo"]}``). ``access_log`` writes one line
    per request, ``metrics`` serves ``GET /metrics`` to scrapers sending ``metrics_token`` as a
    bearer token, ``rate_limit`` limits each client (per
    process), ``max_body_bytes`` caps every request body (operations set smaller caps of their
    own). The caller keeps ownership of the engine: the app never closes it.
    """
    plugin = VoucherEnginePlugin(
        engine,
        mounts=mounts,
        access_log=access_log,
        metrics=metrics,
        metrics_token=metrics_token,
        rate_limit=rate_limit,
        max_body_bytes=max_body_bytes,
        observe_as_middleware=False,
    )
    app = Litestar(
        plugins=[plugin],
        openapi_config=OpenAPIConfig(title="voucher-engine", version=__version__),
        # App-wide, so a route registered on this app later is capped too.
        request_max_body_size=max_body_bytes,
        debug=debug,
        # Litestar's default would reconfigure the root logger of whatever process builds the
        # app; logging is the host's (or ``configure_json_logging``'s) to set up.
        logging_config=None,
    )
    # This app is ours to wrap: routing misses get an id, a log line and a metric too, and every
    # request passes one observing layer (the plugin adds no middleware doing it again).
    plugin.observe_everything(app)
    return app


def parse_mounts(value: str) -> dict[str, list[str]]:
    """``"promo=/,promo=/promo"`` -> ``{"promo": ["/", "/promo"]}``; a name may repeat."""
    mounts: dict[str, list[str]] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, sep, prefix = item.partition("=")
        if not sep or not name.strip() or not prefix.strip().startswith("/"):
            raise ValidationError(f"{MOUNTS_VARIABLE}: {item!r} is not name=/prefix")
        mounts.setdefault(name.strip(), []).append(prefix.strip())
    return mounts


def create_app_from_env() -> Litestar:
    """The app ``voucher-engine serve`` runs (a uvicorn factory): it reads the configuration
    (``$VOUCHER_ENGINE_CONFIG`` and the ``VOUCHER_ENGINE_...`` variables, docs/configuration.md),
    opens the engine on its ``url`` and, owning it, closes it on shutdown. The process serves
    only this app, so it also sends the adapter's logs, access log included, to stderr (JSON
    lines unless ``log_format = "text"``)."""
    config = load_config()
    configure_logging(config)
    engine = Engine.open(config.url, config=config.engine_config())
    try:
        config.apply(engine)
        app = create_app_from_config(engine, config)
    except BaseException:
        engine.close()
        raise
    if config.server.worker:
        _run_worker_with(app, engine, config.delivery_settings())
    app.on_startup.append(freeze_start_up_heap)
    app.on_shutdown.append(engine.close)
    return app


def freeze_start_up_heap() -> None:
    """What start-up made (modules, the app, the engine's tables and compiled statements) lives
    as long as the process: moved out of the cyclic collector's reach, so that a full collection
    walks only what requests made. Before, one took 66 ms in a serving process (about 128,000
    objects), and every request in flight waited for it. For this process only: it serves this
    app and nothing else (a host embedding ``create_app`` decides for its own heap)."""
    gc.collect()
    gc.freeze()


def create_app_from_config(engine: Engine, config: Config) -> Litestar:
    """``create_app`` with the mounts, the rate limit and the body cap of ``config``."""
    limit = config.rate_limit
    return create_app(
        engine,
        mounts=parse_mounts(",".join(config.server.mounts)) or None,
        access_log=True,
        rate_limit=RateLimit(limit.per_second, limit.burst) if limit.per_second else None,
        max_body_bytes=config.server.max_body_bytes or DEFAULT_MAX_BODY_BYTES,
        metrics_token=config.server.metrics_token,
    )


def configure_logging(config: Config) -> None:
    if config.general.log_format == "text":
        configure_text_logging(config.general.log_level)
    else:
        configure_json_logging(config.general.log_level)


def _run_worker_with(app: Litestar, engine: Engine, settings: DeliverySettings) -> None:
    """Deliver webhooks and run jobs in this process, for as long as the app runs. Several
    server processes, or separate ``voucher-engine worker`` processes, may do the same on one
    database: deliveries and jobs are claimed with leases."""
    stop = threading.Event()
    threads: list[threading.Thread] = []
    app.on_startup.append(lambda: threads.append(start_worker_thread(engine, stop=stop, settings=settings)))

    def finish() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    app.on_shutdown.append(finish)
