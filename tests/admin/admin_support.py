"""Helpers of the admin API tests (a uniquely named module, importable from any test file)."""

from __future__ import annotations

import base64

import voucher_engine_admin
from voucher_engine.delivery import DeliverySettings, Webhooks
from voucher_engine.identity import Argon2Params, Identity, IdentityConfig

#: The cheapest argon2id argon2-cffi accepts: the tests check behaviour, not cost.
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1)
TOKEN_PATH = "/admin/oauth/token"


def configure_cheaply(engine) -> Identity:
    """Cheap password hashing, and webhook receivers on loopback allowed (for tests only)."""
    identity = Identity(engine, IdentityConfig(argon2=CHEAP_ARGON2))
    webhooks = Webhooks(engine, DeliverySettings(allowed_networks=("127.0.0.0/8",)))
    voucher_engine_admin.configure(engine, identity=identity, webhooks=webhooks)
    return identity


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def get_token(http, client_id: str, secret: str, scope: str | None = None) -> str:
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = http.post(TOKEN_PATH, data=form, headers=basic(client_id, secret))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def admin_headers(http, engine, tenant: str, scopes: tuple[str, ...] = ("admin",)) -> dict[str, str]:
    client_id, secret = voucher_engine_admin.bootstrap(engine, tenant, scopes=scopes)
    return bearer(get_token(http, client_id, secret))
