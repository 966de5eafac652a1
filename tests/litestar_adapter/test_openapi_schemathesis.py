"""Each shipped provider's OpenAPI, checked against the running app by schemathesis.

For every operation of admin, promo, jackpot, jtl, vouchercart and spaaza, schemathesis
generates requests from the provider's own document (valid ones, and invalid ones), sends them through the real ASGI app
and checks the answers: no server error, no status the document does not list, no response
that does not match its schema or content type. Bounded: a few examples per operation, a
fixed seed (derandomized), so the run is the same every time and stays short.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import voucher_engine_admin
import voucher_engine_jtl
import voucher_engine_spaaza
from voucher_engine import Engine, EngineConfig, Store
from voucher_engine.identity import Argon2Params, Identity, IdentityConfig, StaffGrant
from voucher_engine_litestar import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 2
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'db.sqlite3'}"
    engine = Engine.open(url, config=EngineConfig(auto_migrate=True))  # every shipped provider
    engine.create_tenant("acme")
    voucher_engine_admin.configure(engine, identity=Identity(engine, IdentityConfig(argon2=CHEAP_ARGON2)))
    application = create_app(engine)
    with TestClient(application) as client:
        client_id, secret = voucher_engine_admin.bootstrap(engine, "acme", scopes=("admin",))
        token = client.post(
            "/admin/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        ).json()["access_token"]
        application.state.test_credentials = {
            "admin": {"Authorization": f"Bearer {token}"},
            "promo": {"Authorization": f"Bearer {Identity(engine).distributors.create_distributor('acme', 'DIST-1')}"},
            "jackpot": {},  # its session and partner tokens are single-use JWTs: unauthenticated here
            "jtl": {"Authorization": f"Bearer {jtl_token(engine)}"},
            "vouchercart": {"Authorization": f"Bearer {vouchercart_key(engine)}"},
            "spaaza": spaaza_headers(engine),
        }
        # the credentials work, so the runs below get past authentication
        assert (
            client.get("/vouchercart/v1/domains", headers=application.state.test_credentials["vouchercart"]).status_code
            == 200
        )
        yield application
    engine.close()


def jtl_token(engine: Engine) -> str:
    """An access token of a JTL client holding every JTL scope."""
    clients = engine.shared(Identity).clients
    created = clients.create_client("acme", sorted(voucher_engine_jtl.SCOPES), "JTL shop")
    return clients.client_credentials(created.client_id, created.secret).access_token


def vouchercart_key(engine: Engine) -> str:
    """An API key of a staff administrator of domain 1 (a store with an integer id)."""
    engine.put_store(Store("1", "acme", "my-sales-page", "https://my-sales-page.example/"))
    staff = engine.shared(Identity)
    admin = staff.staff.create_staff_user(
        "acme",
        "admin@example.com",
        "sEcret9",
        full_name="Admin",
        grants={"store:1": StaffGrant("administrator", frozenset({"redeem.voucher", "manage.orders", "manage.users"}))},
    )
    return staff.api_keys.create_api_key("acme", admin.id).key


def spaaza_headers(engine: Engine) -> dict[str, str]:
    """Privileged authentication on chain 1799 (the tenant ``chain-1799``), with its app."""
    engine.create_tenant("chain-1799")
    identity = engine.shared(Identity)
    client = identity.clients.create_client(
        "chain-1799", [voucher_engine_spaaza.PRIVILEGED_SCOPE, voucher_engine_spaaza.APP_SCOPE_PREFIX + "app.test"]
    )
    token = identity.client_credentials(client.client_id, client.secret).access_token
    return {"Authorization": f"Bearer {token}", "X-Spaaza-MyPrice-App-Hostname": "app.test"}


def failures_of(app, provider: str, mode: GenerationMode) -> list[str]:
    schema = schemathesis.openapi.from_asgi(f"/providers/{provider}/openapi.json", app)
    headers = app.state.test_credentials[provider]
    found: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case) -> None:
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            except Exception as error:  # noqa: BLE001 - collected, reported together below
                found.append(f"{operation.method.upper()} {operation.path}: {str(error)[:600]}")  # noqa: B023 - run() below, in this iteration

        try:
            run()
        except Unsatisfiable:
            # Nothing to make invalid: no parameters and no body (negative mode only).
            assert mode is GenerationMode.NEGATIVE, f"{operation.method} {operation.path}"
    return found


@pytest.mark.parametrize("provider", ["admin", "promo", "jackpot", "jtl", "vouchercart", "spaaza"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_the_provider_answers_as_its_openapi_says(app, provider, mode):
    failures = failures_of(app, provider, mode)
    assert not failures, "\n\n".join(dict.fromkeys(failures))
