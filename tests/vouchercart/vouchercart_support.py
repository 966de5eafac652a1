"""Helpers of the VoucherCart provider's tests: an engine set up as an operator would (a tenant,
its domains as stores, staff users with per-domain permissions, vouchers carrying their order),
the seed's requests, and counts of everything a request could write.

A plain module with a unique name (not conftest.py), imported by that name.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from voucher_engine import Engine, EngineConfig, ManualClock, Money, Store, VoucherKind, VoucherSpec, WindowSpec
from voucher_engine.identity import Argon2Params, Identity, IdentityConfig, StaffGrant
from voucher_engine.plugins import PluginSettings

TENANT = "acme"
#: The seed's sales pages: the curls log in to "my-sales-page" and redeem on domain 1; the users
#: samples give permissions for domains 1 and 2 (every domain of the account).
DOMAINS = {
    1: ("my-sales-page", "https://my-sales-page.vouchercart.com/"),
    2: ("other-sales-page", "https://other-sales-page.vouchercart.com/"),
}
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "password"
CODE = "AAAA-BBBB-CCCC-DDDD"

#: The clock of the tests: inside the seed's sample expiration window (2016-12-02 .. 2017-03-02).
NOW = datetime(2016, 12, 2, 13, 32, 48, tzinfo=UTC)
WINDOW_FROM = datetime(2016, 12, 2, 7, 57, 29, tzinfo=UTC)
WINDOW_TO = datetime(2017, 3, 2, 7, 57, 29, tzinfo=UTC)

CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1)

#: The seed's order object, as the shop that sold the voucher stored it in its metadata.
ORDER = {
    "buyer": {
        "city": None,
        "country": None,
        "county": None,
        "email": "buyer@example.com",
        "guest": True,
        "handDelivery": True,
        "house": None,
        "id": None,
        "name": "Buyer Name",
        "phone": None,
        "postcode": None,
        "street": None,
        "town": None,
    },
    "currency": "GBP",
    "product": {
        "currency": "GBP",
        "deliveryType": "electronic",
        "description": "Fixed desc",
        "hiddenPriceOnVoucher": True,
        "id": 7,
        "image": None,
        "imageNoPrice": None,
        "isDeliveryDateSet": True,
        "message": "Happy birthday\nMy dear friend!",
        "name": "Fixed voucher: Meal for two",
        "price": 100,
        "priceOnVoucher": "£1.30",
        "type": "voucher",
        "voucherType": "fixed",
    },
    "purchasedAt": "2016-12-02T07:57:29+0000",
    "recipient": {
        "city": None,
        "comment": "<p>Happy birthday</p>\n<p>My dear friend!</p>",
        "country": None,
        "county": None,
        "email": "recipient@example.com",
        "from": None,
        "houseName": None,
        "name": "Buyer Name",
        "postcode": None,
        "streetName": None,
    },
    "redeemedDate": None,
    "reference": "OWHCNE-1GB-1",
    "refund": None,
    "shippingTotal": 0,
    "subTotal": 80,
    "taxTotal": 20,
    "total": 100,
}


def open_vouchercart_engine(url: str, clock: ManualClock | None = None) -> Engine:
    import voucher_engine_vouchercart.hooks  # the entry point: it needs the provider model

    engine = Engine.open(
        url,
        clock=clock,
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(voucher_engine_vouchercart.hooks,)),
    )
    engine.provide(Identity, Identity(engine, IdentityConfig(argon2=CHEAP_ARGON2)))
    return engine


def identity(engine: Engine) -> Identity:
    return engine.shared(Identity)


def add_domains(engine: Engine, tenant: str = TENANT, domains: dict | None = None) -> None:
    engine.create_tenant(tenant)
    for domain_id, (name, url) in (domains or DOMAINS).items():
        engine.put_store(Store(str(domain_id), tenant, name, url))


def add_staff(
    engine: Engine,
    email: str,
    password: str,
    grants: dict[int, tuple[str, frozenset[str]]],
    *,
    tenant: str = TENANT,
    full_name: str = "VoucherCart2 Demo",
    phone: str | None = None,
):
    """A staff user with (role, permissions) per domain, as the tenant's operator creates one."""
    return identity(engine).staff.create_staff_user(
        tenant,
        email,
        password,
        full_name=full_name,
        phone=phone,
        locale="en",
        grants={f"store:{d}": StaffGrant(role, permissions) for d, (role, permissions) in grants.items()},
    )


ALL = frozenset({"redeem.voucher", "manage.orders", "manage.users"})


def administrator() -> dict[int, tuple[str, frozenset[str]]]:
    return dict.fromkeys(DOMAINS, ("administrator", ALL))


def issue(
    engine: Engine,
    code: str = CODE,
    *,
    kind: VoucherKind = VoucherKind.SINGLE_USE,
    value=None,
    currency: str | None = "GBP",
    domains: tuple[int, ...] = (1,),
    order: dict | None = ORDER,
    start: datetime = WINDOW_FROM,
    end: datetime = WINDOW_TO,
    tenant: str = TENANT,
):
    spec = VoucherSpec(
        kind=kind,
        value=value,
        currency=currency if kind is not VoucherKind.MONETARY else None,
        validity=(WindowSpec(start=start, end=end),),
        redeemable_at=tuple(str(d) for d in domains),
        metadata={"order": order} if order is not None else {},
    )
    return engine.issue(tenant, spec, code=code)


def monetary(engine: Engine, code: str, minor: int, **kwargs):
    return issue(engine, code, kind=VoucherKind.MONETARY, value=Money(minor, "USD"), **kwargs)


def basic(email: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json", "Accepts": "application/json"}


def login(client, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD, subdomain: str = "my-sales-page") -> dict:
    """``curl -X POST .../v1/authorize -u email:password --data "subdomain=..."``."""
    response = client.post(
        "/v1/authorize", content=f"subdomain={subdomain}".encode(), headers={**basic(email, password), **FORM}
    )
    assert response.status_code == 200, response.text
    return response.json()


def written(engine: Engine, code: str = CODE) -> tuple:
    """What a redemption could write: the voucher's ledger, state and balance, and the outbox."""
    voucher = engine.get_voucher(TENANT, code=code)
    return (len(engine.ledger(TENANT, code=code)), voucher.state, voucher.available, engine.outbox_size())


def staff_rows(engine: Engine) -> list:
    """Every staff user with their grants: what a users request could write."""
    users = identity(engine).staff.list_staff_users(TENANT)
    return sorted(
        (
            u.public_id,
            u.email,
            u.full_name,
            u.phone,
            tuple(sorted(u.roles.items())),
            tuple(sorted((s, g.role, tuple(sorted(g.permissions))) for s, g in u.grants.items())),
        )
        for u in users
    )


def later(days: int) -> timedelta:
    return timedelta(days=days)


#: The body of the seed's "Create a user" curl, byte for byte.
SEED_CREATE = b"""
  {
    "fullName": "Test User",
    "email": "test@example.com",
    "password": "sEcret9",
    "phone": "+1 123 456 789",
    "permissions": [
        {
            "domainId": 1,
            "roleId": 0,
            "customPermissions": []
        },
        {
            "domainId": 2,
            "roleId": 0,
            "customPermissions": []
        }
    ]
  }"""
