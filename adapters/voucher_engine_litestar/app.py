"""The composition root of the HTTP adapter: an engine in, a Litestar app out."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from voucher_engine import Engine, __version__
from voucher_engine.engine import DEFAULT_URL
from voucher_engine.errors import ValidationError
from voucher_engine.providers import Provider

from voucher_engine_litestar.errors import exception_handlers
from voucher_engine_litestar.health import health, ready
from voucher_engine_litestar.openapi_docs import provider_openapi
from voucher_engine_litestar.request_id import RequestIdMiddleware
from voucher_engine_litestar.routers import Mount, provider_router, security_scheme_name
from voucher_engine_litestar.stats import stats

URL_VARIABLE = "VOUCHER_ENGINE_URL"

# Served whatever providers are mounted.
OPERATION_ROUTES = [health, ready, stats, provider_openapi]

#: provider name -> its prefix, or several prefixes (a provider may be served twice).
Mounts = Mapping[str, str | Sequence[str]]


def plan_mounts(providers: list[Provider], mounts: Mounts | None) -> list[Mount]:
    """Every registered provider under ``/{name}`` unless ``mounts`` says otherwise."""
    by_name = {p.name: p for p in providers}
    unknown = set(mounts or {}) - set(by_name)
    if unknown:
        raise ValidationError(f"no provider registered as {', '.join(sorted(unknown))}")
    plan: list[Mount] = []
    for provider in providers:
        prefixes = (mounts or {}).get(provider.name, f"/{provider.name}")
        for prefix in [prefixes] if isinstance(prefixes, str) else prefixes:
            plan.append(Mount(provider, prefix))
    paths = [m.path for m in plan]
    if len(paths) != len(set(paths)):
        raise ValidationError(f"two providers share a prefix: {sorted(paths)}")
    return plan


def _security_schemes(plan: list[Mount]) -> dict[str, SecurityScheme]:
    schemes: dict[str, SecurityScheme] = {}
    for mount in plan:
        for op in mount.provider.operations:
            if op.auth is None:
                continue
            if op.auth.kind == "header":
                scheme = SecurityScheme(type="apiKey", name=op.auth.header, security_scheme_in="header",
                                        description=op.auth.description or None)
            else:
                scheme = SecurityScheme(type="http", scheme=op.auth.kind, description=op.auth.description or None)
            schemes[security_scheme_name(mount.provider, op.auth)] = scheme
    return schemes


def create_app(engine: Engine, *, mounts: Mounts | None = None, debug: bool = False) -> Litestar:
    """An app serving ``engine`` and every provider its plugins register.

    ``mounts`` moves a provider from its default ``/{name}`` prefix, e.g. ``{"promo": "/"}`` so
    that a client written for the partner's original host works unchanged, or serves it under
    several prefixes at once (``{"promo": ["/", "/promo"]}``). The caller keeps ownership of
    the engine: the app never closes it.
    """
    providers = engine.hooks.providers()
    plan = plan_mounts(providers, mounts)
    app = Litestar(
        route_handlers=[*OPERATION_ROUTES, *(provider_router(m) for m in plan)],
        exception_handlers=exception_handlers(debug=debug),
        openapi_config=OpenAPIConfig(
            title="voucher-engine", version=__version__,
            components=Components(security_schemes=_security_schemes(plan)),
        ),
        # Handlers (and a host holding only the app) reach the engine as ``app.state.engine``.
        state=State({"engine": engine, "providers": providers, "mounts": plan}),
        debug=debug,
    )
    # Around everything Litestar does, routing included, so a 404 carries an id too.
    app.asgi_handler = RequestIdMiddleware(app.asgi_handler)
    return app


def create_app_from_env() -> Litestar:
    """The app ``voucher-engine serve`` runs (a uvicorn factory): it opens the engine on
    ``$VOUCHER_ENGINE_URL`` and, owning it, closes it on shutdown."""
    engine = Engine.open(os.environ.get(URL_VARIABLE, DEFAULT_URL))
    try:
        app = create_app(engine)
    except BaseException:
        engine.close()
        raise
    app.on_shutdown.append(engine.close)
    return app
