"""``GET /``: a small page for whoever opens the server in a browser, naming the mounted
providers with links to each one's OpenAPI document and interactive docs, the version and
the health endpoints. ``GET /providers/{name}/docs`` is that interactive page (Swagger UI,
loaded from a CDN by the browser; the server itself never fetches it)."""

from __future__ import annotations

import json
from html import escape
from typing import Annotated, Any

from litestar import MediaType, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

from voucher_engine import __version__
from voucher_engine_litestar.routers import Mount

SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}}
code{{background:#f3f3f3;padding:0 .2em}}td{{padding:.2em 1em .2em 0;vertical-align:top}}</style>
</head><body>
{body}
</body></html>
"""


def _mounts(request: Request[Any, Any, Any]) -> list[Mount]:
    return list(request.app.state.mounts)


@get("/", include_in_schema=False, sync_to_thread=False, media_type=MediaType.HTML)
def index(request: Request[Any, Any, Any]) -> str:
    rows = []
    for name in dict.fromkeys(m.provider.name for m in _mounts(request)):
        mounts = [m for m in _mounts(request) if m.provider.name == name]
        prefixes = ", ".join(f"<code>{escape(m.path)}</code>" for m in mounts)
        quoted = escape(name)
        rows.append(
            f"<tr><td><b>{escape(mounts[0].provider.title)}</b> ({quoted})</td><td>{prefixes}</td>"
            f'<td><a href="/providers/{quoted}/openapi.json">OpenAPI</a> · '
            f'<a href="/providers/{quoted}/docs">interactive docs</a></td></tr>'
        )
    body = (
        f"<h1>voucher-engine {escape(__version__)}</h1>"
        "<h2>Providers</h2>"
        f"<table>{''.join(rows) or '<tr><td>none mounted</td></tr>'}</table>"
        "<h2>Operations</h2><ul>"
        '<li><a href="/health">/health</a>: the process answers</li>'
        '<li><a href="/ready">/ready</a>: the database answers and is migrated</li>'
        '<li><a href="/schema">/schema</a>: the whole app\'s OpenAPI document</li>'
        "</ul>"
    )
    return _PAGE.format(title=f"voucher-engine {escape(__version__)}", body=body)


@get("/providers/{name:str}/docs", include_in_schema=False, sync_to_thread=False, media_type=MediaType.HTML)
def provider_docs(request: Request[Any, Any, Any], name: Annotated[str, PathParameter()]) -> str:
    mounts = [m for m in _mounts(request) if m.provider.name == name]
    if not mounts:
        raise NotFoundException(f"no provider {name!r}")
    # json.dumps for the script, and "</" broken up so a name can never close the script tag.
    spec_url = json.dumps(f"/providers/{name}/openapi.json").replace("</", "<\\/")
    body = (
        f'<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css"><div id="docs"></div>'
        f'<script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>'
        f'<script>SwaggerUIBundle({{url: {spec_url}, dom_id: "#docs"}});</script>'
    )
    return _PAGE.format(title=escape(f"{mounts[0].provider.title}: API"), body=body)
