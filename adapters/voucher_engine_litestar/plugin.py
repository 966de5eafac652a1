"""The adapter as a Litestar plugin: everything an app needs to serve a voucher engine.

``create_app`` is this plugin in an app of its own; a host adds it to its own app instead::

    app = Litestar([my_routes], plugins=[VoucherEnginePlugin(engine, mounts={"giftcard": "/gift"})])

The plugin adds the operation routes (health, readiness, metrics, stats, OpenAPI per
provider) and one router per provider mount, the adapter's exception handlers, the engine in
the app's state, request ids / access log / HTTP metrics as app-level middleware, a body-size
limit and an optional per-client rate limit. Where the host installed its own app-level
exception handler for the same exception, the host's wins on the host's routes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence

from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.exceptions import ImproperlyConfiguredException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, Reference, SecurityScheme
from litestar.plugins import InitPlugin
from litestar.types import ExceptionHandlersMap

from voucher_engine import Engine
from voucher_engine.errors import ValidationError
from voucher_engine.providers import Provider
from voucher_engine_litestar.errors import exception_handlers
from voucher_engine_litestar.health import health, ready
from voucher_engine_litestar.index_page import index, provider_docs
from voucher_engine_litestar.metrics import STATE_KEY as METRICS_KEY
from voucher_engine_litestar.metrics import TOKEN_KEY as METRICS_TOKEN_KEY
from voucher_engine_litestar.metrics import metrics, metrics_registry
from voucher_engine_litestar.openapi_docs import provider_openapi
from voucher_engine_litestar.openapi_model import provider_security_schemes
from voucher_engine_litestar.operators import MIN_METRICS_TOKEN
from voucher_engine_litestar.ratelimit import RateLimit, RateLimitGuard
from voucher_engine_litestar.routers import Mount, full_path, provider_router
from voucher_engine_litestar.stats import stats
from voucher_engine_litestar.telemetry import STATE_KEY as TELEMETRY_KEY
from voucher_engine_litestar.telemetry import ObservedRequests, Telemetry

#: provider name -> its prefix, or several prefixes (a provider may be served twice).
Mounts = Mapping[str, str | Sequence[str]]

#: The largest request body any route accepts unless it sets its own (operations do, smaller).
DEFAULT_MAX_BODY_BYTES = 1024 * 1024

# Probes and scrapers (and /metrics) call often from one address; limiting them would fail a
# healthy process's probes under load.
UNLIMITED_ROUTES = [health, ready]


def plan_mounts(providers: list[Provider], mounts: Mounts | None) -> list[Mount]:
    """Every registered provider under ``/{name}`` unless ``mounts`` says otherwise. Several
    providers may share a prefix (drop-ins for partners that lived on one host) as long as no
    two operations answer the same method and path: that fails here, naming both."""
    by_name = {p.name: p for p in providers}
    unknown = set(mounts or {}) - set(by_name)
    if unknown:
        raise ValidationError(f"no provider registered as {', '.join(sorted(unknown))}")
    plan: list[Mount] = []
    for provider in providers:
        prefixes = (mounts or {}).get(provider.name, f"/{provider.name}")
        for prefix in [prefixes] if isinstance(prefixes, str) else prefixes:
            plan.append(Mount(provider, prefix))
    seen = [(m.provider.name, m.path) for m in plan]
    if len(seen) != len(set(seen)):
        raise ValidationError(f"a provider is mounted twice at one prefix: {sorted(seen)}")
    check_collisions(plan)
    return plan


_ANY_PARAMETER = re.compile(r"\{[^}]*\}")


def check_collisions(plan: list[Mount]) -> None:
    """Refuse two operations that would answer the same method and path (path parameters
    match anything, whatever their names)."""
    owners: dict[tuple[str, str], str] = {}
    for mount in plan:
        for op in mount.provider.operations:
            key = (op.method, _ANY_PARAMETER.sub("{}", full_path(mount, op)))
            name = f"{mount.provider.name}.{op.name}"
            if key in owners and owners[key] != name:
                raise ValidationError(
                    f"{op.method} {full_path(mount, op)}: operations {owners[key]} and {name} collide",
                    operations=(owners[key], name),
                )
            owners[key] = name


def security_schemes(plan: list[Mount]) -> dict[str, SecurityScheme | Reference]:
    schemes: dict[str, SecurityScheme | Reference] = {}
    for mount in plan:
        schemes.update(provider_security_schemes(mount.provider))
    return schemes


class VoucherEnginePlugin(InitPlugin):
    """Serves ``engine`` and its providers from the app this plugin is added to.

    - ``mounts``: as for ``create_app``: provider name -> prefix(es), default ``/{name}``.
    - ``access_log``: one JSON-ready INFO line per request on ``voucher_engine_litestar.access``.
    - ``metrics``: ``GET /metrics`` and HTTP metrics; False leaves both out.
    - ``metrics_token``: the bearer token ``GET /metrics`` answers (at least 16 characters);
      None: it answers nobody.
    - ``rate_limit``: a ``RateLimit`` per client on every route but health, readiness and
      metrics; None (the default) for none.
    - ``max_body_bytes``: the body-size limit of the plugin's routes that set none themselves.
    - ``index_page``: ``GET /``, a page linking each provider's OpenAPI document and
      interactive docs; False for a host that serves its own ``/``.
    - ``observe_as_middleware``: False leaves out the app-level middleware that gives requests
      ids, log lines and metrics, for a caller that wraps the whole app with
      ``observe_everything`` instead (``create_app`` does: one layer per request, not two).

    The caller keeps ownership of the engine: the plugin never closes it.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        mounts: Mounts | None = None,
        access_log: bool = False,
        metrics: bool = True,
        metrics_token: str | None = None,
        rate_limit: RateLimit | None = None,
        max_body_bytes: int | None = DEFAULT_MAX_BODY_BYTES,
        index_page: bool = True,
        observe_as_middleware: bool = True,
    ) -> None:
        if metrics_token is not None and len(metrics_token) < MIN_METRICS_TOKEN:
            raise ValidationError(f"a metrics token is at least {MIN_METRICS_TOKEN} characters")
        self.metrics_token = metrics_token
        self.engine = engine
        self.index_page = index_page
        self.observe_as_middleware = observe_as_middleware
        self.access_log = access_log
        self.metrics = metrics
        self.rate_limit = rate_limit
        self.max_body_bytes = max_body_bytes
        self.providers = engine.hooks.providers()
        # Planned now, so a wrong mount fails where the plugin is built, not in a host's init.
        self.plan = plan_mounts(self.providers, mounts)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        if "engine" in app_config.state and app_config.state["engine"] is not self.engine:
            raise ImproperlyConfiguredException("the app's state already holds another engine")
        handlers = exception_handlers(debug=app_config.debug)
        registry, http_metrics = metrics_registry(self.engine) if self.metrics else (None, None)

        app_config.route_handlers.append(self._routes(handlers))
        # App-wide too, for what matches no route (a 404 under a provider's prefix is the
        # provider's); a host's own handler for the same key wins on its own app.
        for key, handler in handlers.items():
            app_config.exception_handlers.setdefault(key, handler)
        app_config.state.update(
            {
                "engine": self.engine,
                "providers": self.providers,
                "mounts": self.plan,
                METRICS_KEY: registry,
                METRICS_TOKEN_KEY: self.metrics_token,
                TELEMETRY_KEY: Telemetry(http_metrics=http_metrics, access_log=self.access_log),
            }
        )
        if self.observe_as_middleware:
            # Outermost of the host's middleware, so the id is set before any of it logs.
            app_config.middleware.insert(0, ObservedRequests)
        if app_config.openapi_config is not None:
            app_config.openapi_config = self._with_security_schemes(app_config.openapi_config)
        return app_config

    def _routes(self, handlers: ExceptionHandlersMap) -> Router:
        guards = [RateLimitGuard(self.rate_limit)] if self.rate_limit else None
        pages = [index, provider_docs] if self.index_page else [provider_docs]
        limited = Router(
            path="/",
            route_handlers=[stats, provider_openapi, *pages, *(provider_router(m) for m in self.plan)],
            guards=guards,
        )
        unlimited = [metrics, *UNLIMITED_ROUTES] if self.metrics else UNLIMITED_ROUTES
        # On the plugin's routes, the adapter's handlers answer whatever the host installed.
        return Router(
            path="/",
            route_handlers=[*unlimited, limited],
            exception_handlers=handlers,
            request_max_body_size=self.max_body_bytes,
        )

    def _with_security_schemes(self, openapi_config: OpenAPIConfig) -> OpenAPIConfig:
        # A copy: the host's object may be Litestar's default, shared by every app (and
        # copy.copy, since dataclasses.replace would run __post_init__ again, which warns).
        extended = copy.copy(openapi_config)
        existing = extended.components
        extended.components = [
            *(existing if isinstance(existing, list) else [existing]),
            Components(security_schemes=security_schemes(self.plan)),
        ]
        return extended

    @staticmethod
    def observe_everything(app: Litestar) -> None:
        """Wrap the whole app, so that requests matching no route (404, 405 while routing)
        get a request id, an access log line and a metric too; middleware never sees them."""
        app.asgi_handler = ObservedRequests(app.asgi_handler)
