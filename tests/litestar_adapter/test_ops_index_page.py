"""``GET /`` names the mounted providers and links their documents; every link it shows answers."""

from __future__ import annotations

import re

from litestar import Litestar, get
from litestar.testing import TestClient

from voucher_engine import Engine, __version__
from voucher_engine_litestar import create_app
from voucher_engine_litestar.plugin import VoucherEnginePlugin


def test_the_index_names_each_provider_and_every_link_on_it_answers(sqlite_engine: Engine) -> None:
    with TestClient(create_app(sqlite_engine, mounts={"giftcard": ["/gift", "/cards"]})) as client:
        page = client.get("/")
        links = re.findall(r'href="([^"]+)"', page.text)
        answers = {link: client.get(link) for link in links}
        docs = client.get("/providers/giftcard/docs")
        unknown = client.get("/providers/nobody/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f"voucher-engine {__version__}" in page.text
    assert "<code>/gift</code>, <code>/cards</code>" in page.text
    assert set(links) == {
        "/providers/giftcard/openapi.json",
        "/providers/giftcard/docs",
        "/health",
        "/ready",
        "/schema",
    }
    assert {link: r.status_code for link, r in answers.items()} == dict.fromkeys(links, 200)
    assert answers["/providers/giftcard/openapi.json"].json()["info"]["title"]
    assert '"/providers/giftcard/openapi.json"' in docs.text
    assert unknown.status_code == 404


@get("/", sync_to_thread=False)
def host_home() -> str:
    return "the host's home"


def test_a_host_with_its_own_home_page_turns_the_index_off(sqlite_engine: Engine) -> None:
    app = Litestar([host_home], plugins=[VoucherEnginePlugin(sqlite_engine, index_page=False)], logging_config=None)
    with TestClient(app) as client:
        home = client.get("/")
        docs = client.get("/providers/giftcard/docs")
    assert home.text == "the host's home"
    assert docs.status_code == 200
