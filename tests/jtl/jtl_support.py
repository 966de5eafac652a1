"""Helpers for the JTL provider's tests: the seed's request, a tenant with a JTL client and
vouchers set up as an operator would, a snapshot of everything a request could write. (The
engine, the in-process client and real server processes come from the test kit's ``ve_*``
fixtures; see conftest.py.)

A plain module with a unique name (not conftest.py), imported by that name.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import voucher_engine_jtl
from voucher_engine import Engine, ManualClock, Money, VoucherKind, VoucherSpec, replay
from voucher_engine.identity import Argon2Params, Identity, IdentityConfig
from voucher_engine.plugins import PluginSettings
from voucher_engine.testing import Server

TENANT = "shop"
OTHER_TENANT = "elsewhere"
TOKEN_PATH = "/oauth/token"
RESERVATIONS = "/v1/reservations"
EVERY_SCOPE = ("read", "read-lists", "read-secrets", "use", "manage", "update", "recharge")
NOW = datetime(2017, 7, 21, 17, 32, 28, tzinfo=UTC)

#: The seed's cURL ``--data`` argument, byte for byte (it opens and closes with a newline).
SEED_BODY = b'\n{\n  "amount": "10.53",\n  "currency": "EUR",\n  "code": "test",\n  "pin": "test"\n}\n'
#: The seed's response fields and their JSON types (``voucher_tax_rate``: a string, or null).
SEED_FIELDS = {
    "id": str,
    "voucher_id": str,
    "voucher_taxable": bool,
    "voucher_tax_rate": (str, type(None)),
    "client_id": str,
    "amount": str,
    "valid_until": str,
    "created_at": str,
    "updated_at": str,
}
RFC3339_UTC = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$"

#: Cheap hashing for client secrets in tests; the hash's cost is not what is tested here.
FAST_IDENTITY = IdentityConfig(argon2=Argon2Params(time_cost=1, memory_cost_kib=8, parallelism=1))


def with_fast_identity(engine: Engine) -> Engine:
    """Give the engine's identity service cheap hashing (before anything asks for it)."""
    engine.provide(Identity, Identity(engine, FAST_IDENTITY))
    return engine


def open_jtl_engine(url: str, clock: ManualClock) -> Engine:
    """A second engine on a database (another process's view, with its own clock)."""
    engine = Engine.open(url, clock=clock, plugins=PluginSettings(load_entry_points=False, extra=(voucher_engine_jtl,)))
    return with_fast_identity(engine)


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    secret: str

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()


def new_client(engine: Engine, tenant: str = TENANT, scopes: tuple[str, ...] = EVERY_SCOPE) -> Client:
    created = engine.shared(Identity).clients.create_client(tenant, list(scopes), "JTL shop")
    return Client(created.client_id, created.secret)


def token_of(engine: Engine, client: Client, scope: str | None = None) -> str:
    """An access token minted directly by the identity service (the token endpoint has its own
    tests); ``scope`` narrows it."""
    return engine.shared(Identity).clients.client_credentials(client.client_id, client.secret, scope).access_token


def issue(
    engine: Engine,
    code: str,
    value: str = "50.00",
    currency: str = "EUR",
    *,
    tenant: str = TENANT,
    pin: str | None = None,
    taxable: bool = False,
    tax_rate: str | None = None,
):
    return engine.issue(
        tenant,
        VoucherSpec(
            kind=VoucherKind.MONETARY,
            value=Money.parse(value, currency),
            pin=pin,
            taxable=taxable,
            tax_rate=Decimal(tax_rate) if tax_rate is not None else None,
        ),
        code=code,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def reservation(**fields: object) -> bytes:
    """The seed's body, fields changed, or removed when given ``None``."""
    base: dict[str, object] = {"amount": "10.53", "currency": "EUR", "code": "test", "pin": "test"}
    for name, value in fields.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return json.dumps(base).encode()


def snapshot(engine: Engine, code: str, tenant: str = TENANT) -> tuple:
    """Everything a JTL request may change about a voucher: its ledger, balances, state, and
    the tenant's outbox. A refused request leaves it equal."""
    voucher = engine.get_voucher(tenant, code=code)
    return (
        engine.ledger(tenant, code=code),
        voucher.available,
        voucher.held,
        voucher.state,
        engine.outbox_size(tenant),
    )


def assert_replay_matches(engine: Engine, code: str, tenant: str = TENANT) -> None:
    voucher = engine.get_voucher(tenant, code=code)
    balance = replay(engine.ledger(tenant, code=code))
    assert (balance.available, balance.held) == (voucher.available, voucher.held)


def call(
    server: Server, method: str, path: str, data: bytes | None, headers: dict[str, str]
) -> tuple[int, dict | None]:
    """One request to a kit server on its own connection (safe from any thread): the status
    and the decoded JSON body (None when empty, as a 204's)."""
    response = server.request(method, path, data=data, headers=headers, timeout=60)
    return response.status, (response.json() if response.body else None)
