"""Bearer tokens for the adapter's operational routes (``/metrics``, ``/stats``): a client of
the client-credentials grant with the scope asked for, and its access token."""

from __future__ import annotations

from voucher_engine import Engine
from voucher_engine.identity import Argon2Params, Identity, IdentityConfig

OPERATOR = "admin:tenants"
#: Cheap argon2: these tests check who may read, not what hashing costs.
_CHEAP = Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1)


def bearer_headers(engine: Engine, tenant: str, scopes: str = OPERATOR) -> dict[str, str]:
    """``Authorization: Bearer ...`` of a new client of ``tenant`` holding ``scopes``."""
    identity = Identity(engine, IdentityConfig(argon2=_CHEAP))
    client = identity.clients.create_client(tenant, scopes)
    token = identity.clients.client_credentials(client.client_id, client.secret)
    return {"Authorization": f"Bearer {token.access_token}"}


#: The scraper's token of the apps under test (``create_app(..., metrics_token=...)``).
METRICS_TOKEN = "scraper-0123456789abcdef"
METRICS = {"Authorization": f"Bearer {METRICS_TOKEN}"}
