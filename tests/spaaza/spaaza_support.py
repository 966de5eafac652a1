"""Helpers of the Spaaza provider's tests: the seed's request and response, a chain set up as
an operator would (tenant, campaign, member, staff user, privileged application), and a
snapshot of everything a refused request must leave unchanged.

A plain module with a unique name (not conftest.py), imported by that name.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import TestClient

import voucher_engine_spaaza
from voucher_engine import (
    Engine,
    EngineConfig,
    ManualClock,
    Money,
    Voucher,
    VoucherKind,
    VoucherSpec,
    WindowSpec,
)
from voucher_engine.identity import Argon2Params, Identity, IdentityConfig
from voucher_engine.plugins import PluginSettings

CHAIN = 1799
OTHER_CHAIN = 1800
TENANT = f"chain-{CHAIN}"
OTHER_TENANT = f"chain-{OTHER_CHAIN}"
USER_ID = 4232324
HOSTNAME = "foo.spaaza.test"
STAFF_EMAIL = "admin@foo.test"
STAFF_PASSWORD = "correct horse battery staple"
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1)

#: The seed's sample request, byte for byte (its voucher_key is 41 characters, not hex).
SEED_KEY = "1b2bb233bbhhb21b1b1b1212121b21ubiu3243299"
SEED_BODY = b"""{
      "user": {
        "user_id": 4232324
      },
      "entity": {
        "chain_id": 1799
      },
      "vouchers": [
        {
          "voucher_key": "1b2bb233bbhhb21b1b1b1212121b21ubiu3243299"
        }
      ],
      "locking": {
        "retailer_basket_code": "20240462148435877",
        "voucher_lock_period": 3600
      }
    }"""
#: The seed's first answered voucher: its keys and the JSON type of each.
SEED_VOUCHER: dict[str, Any] = json.loads("""{
    "campaign_id": 1, "campaign_image_dimension_x": null, "campaign_image_dimension_y": null,
    "campaign_image_filename": null, "campaign_image_link": null, "campaign_image_url": null,
    "campaign_owner_code": null, "campaign_product_promotion_type": null,
    "campaign_title": "Loyalty campaign for FOO Chain, inc.", "campaign_type": "loyalty",
    "creating_user": {"full_name": "Admin Spaaza", "user_id": 2},
    "generating_return_transaction": null, "parent_voucher": null, "redeeming_basket": null,
    "user_entity_card": {"code": "20000000001", "type": "custom"}, "user_id": 4,
    "voucher_amount": 20, "voucher_amount_original": 20, "voucher_amount_redeemed": 0,
    "voucher_created_datetime": "2024-04-24T15:37:06+00:00", "voucher_currency_code": "EUR",
    "voucher_currency_id": 2, "voucher_currency_symbol": "\\u20ac", "voucher_description": null,
    "voucher_discount_ratio": 0, "voucher_expiry_datetime_utc": "2024-07-23T15:37:06+00:00",
    "voucher_expiry_seconds_remaining": 7775999, "voucher_honour_code": null, "voucher_id": 1,
    "voucher_image_url": null,
    "voucher_key": "d333a0b891b473c9ddede5543043c01d5339a074ce19e0b2671e877fa33b990b",
    "voucher_locked": false, "voucher_notes": null, "voucher_redeemed_datetime": null,
    "voucher_status": "claimed", "voucher_text": null, "voucher_third_party_id": null,
    "voucher_title": null, "voucher_type": "basket"
}""")
#: The seed's instant: one second after its voucher was created (7775999 s of 90 days left).
SEED_CREATED = datetime(2024, 4, 24, 15, 37, 6, tzinfo=UTC)
SEED_NOW = SEED_CREATED + timedelta(seconds=1)
#: What the seed's voucher shows that the engine keeps as metadata (views.py).
SPAAZA_FACTS = {
    "campaign_type": "loyalty",
    "creating_user": {"full_name": "Admin Spaaza", "user_id": 2},
    "voucher_type": "basket",
    "voucher_discount_ratio": 0,
}


def open_spaaza_engine(url: str, clock: ManualClock) -> Engine:
    engine = Engine.open(
        url,
        clock=clock,
        config=EngineConfig(auto_migrate=True),
        plugins=PluginSettings(load_entry_points=False, extra=(voucher_engine_spaaza,)),
    )
    engine.provide(Identity, Identity(engine, IdentityConfig(argon2=CHEAP_ARGON2)))
    return engine


def set_up_chain(engine: Engine, tenant: str) -> None:
    engine.create_tenant(tenant, f"Chain {tenant}")
    engine.put_campaign(tenant, "1", name="Loyalty campaign for FOO Chain, inc.", pool_id=None)


def spec(*, third_party_id: str | None = None) -> VoucherSpec:
    """20 EUR, valid 90 days from issue (the seed's created and expiry instants)."""
    return VoucherSpec(
        VoucherKind.MONETARY,
        Money(2000, "EUR"),
        validity=(WindowSpec(days_after_issue=90),),
        metadata={"spaaza": dict(SPAAZA_FACTS)},
        third_party_id=third_party_id,
    )


def issue(
    engine: Engine, tenant: str = TENANT, *, code: str | None = None, third_party_id: str | None = None
) -> Voucher:
    """A 20 EUR voucher of campaign 1, valid 90 days from now, under ``code`` or a Spaaza key."""
    return engine.issue(
        tenant,
        spec(third_party_id=third_party_id),
        code=code,
        campaign_id="1",
        code_format=voucher_engine_spaaza.VOUCHER_KEY_FORMAT,
    )


def add_user(engine: Engine, tenant: str, user_id: int, **identifiers: str) -> None:
    """A member known to Spaaza as ``user_id`` (the identifier ``external:spaaza``)."""
    engine.put_member(tenant, {voucher_engine_spaaza.USER_ID_KIND: str(user_id), **identifiers})


def holder(engine: Engine, user_id: int, tenant: str = TENANT) -> str:
    """The holder string of the member that is Spaaza user ``user_id``."""
    member = engine.find_member(tenant, identifiers={voucher_engine_spaaza.USER_ID_KIND: str(user_id)})
    return voucher_engine_spaaza.holder_of(member)


def staff_headers(client: TestClient, engine: Engine, tenant: str = TENANT, chain: int = CHAIN) -> dict[str, str]:
    """A staff user with write access (role admin in scope "spaaza"), logged in through the API."""
    Identity_ = engine.shared(Identity)
    Identity_.staff.create_staff_user(
        tenant,
        STAFF_EMAIL,
        STAFF_PASSWORD,
        full_name="Admin Spaaza",
        roles={voucher_engine_spaaza.STAFF_SCOPE: "admin"},
    )
    answer = client.post(
        "/auth/login", data={"username": STAFF_EMAIL, "password": STAFF_PASSWORD, "chain_id": str(chain)}
    )
    assert answer.status_code == 200, answer.text
    session = answer.json()["results"]["session"]
    return {"X-Spaaza-Session-User-Id": str(session["user_id"]), "X-Spaaza-Session-Key": session["session_key"]}


def privileged_token(engine: Engine, tenant: str = TENANT, hostname: str = HOSTNAME) -> str:
    identity = engine.shared(Identity)
    client = identity.clients.create_client(
        tenant, [voucher_engine_spaaza.PRIVILEGED_SCOPE, voucher_engine_spaaza.APP_SCOPE_PREFIX + hostname]
    )
    return identity.client_credentials(client.client_id, client.secret).access_token


def privileged_headers(token: str, hostname: str | None = HOSTNAME) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if hostname is not None:
        headers["X-Spaaza-MyPrice-App-Hostname"] = hostname
    return headers


def claim_body(
    *vouchers: dict[str, Any],
    user: dict[str, Any] | None = None,
    chain: int = CHAIN,
    locking: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "user": {"user_id": USER_ID} if user is None else user,
        "entity": {"chain_id": chain},
        "vouchers": list(vouchers),
    }
    if locking is not None:
        body["locking"] = locking
    return body


def snapshot(engine: Engine, tenant: str, vouchers: list[Voucher]) -> list[tuple]:
    """What a refused request must not change: each voucher's holder, state, lock and balance,
    and its ledger."""
    now = []
    for voucher in vouchers:
        current = engine.get_voucher(tenant, voucher_id=voucher.id)
        now.append(
            (
                current.holder,
                current.state,
                current.locked_until,
                current.lock_code_hash,
                current.available,
                current.seq,
                len(engine.ledger(tenant, voucher_id=voucher.id)),
            )
        )
    return now


def assert_error(answer, status: int, name: str) -> dict:
    """Spaaza's error envelope with this name (and its stable number) and status."""
    from voucher_engine_spaaza.errors import CATALOGUE

    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["result"] == {"code": 2, "status": "error"}
    assert set(body["error"]) == {"code", "name", "description"}
    assert body["error"]["name"] == name, body
    assert body["error"]["code"] == CATALOGUE[name][0]
    assert isinstance(body["error"]["description"], str) and body["error"]["description"]
    return body["error"]


#: Keys the seed shows as null whose Spaaza type is a string (or an integer): ours may be set.
NULLABLE_TEXT = {
    "campaign_image_filename",
    "campaign_image_link",
    "campaign_image_url",
    "campaign_owner_code",
    "campaign_product_promotion_type",
    "voucher_description",
    "voucher_honour_code",
    "voucher_image_url",
    "voucher_notes",
    "voucher_redeemed_datetime",
    "voucher_text",
    "voucher_third_party_id",
    "voucher_title",
}
NULLABLE_INT = {"campaign_image_dimension_x", "campaign_image_dimension_y"}
ALWAYS_NULL = {"generating_return_transaction", "parent_voucher", "redeeming_basket"}


def json_type(value: object) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        dict: "object",
        list: "array",
        type(None): "null",
    }[type(value)]


def assert_seed_shape(voucher: dict) -> None:
    """Every key of the seed's voucher, each in the seed's JSON type."""
    missing = set(SEED_VOUCHER) - set(voucher)
    assert not missing, f"keys the seed shows are missing: {sorted(missing)}"
    for key, seen in SEED_VOUCHER.items():
        ours = voucher[key]
        if key in ALWAYS_NULL:
            assert ours is None, key
        elif key in NULLABLE_TEXT:
            assert ours is None or isinstance(ours, str), key
        elif key in NULLABLE_INT:
            assert ours is None or json_type(ours) == "integer", key
        else:
            assert json_type(ours) == json_type(seen), (key, ours, seen)
    for card in (voucher["user_entity_card"], voucher["creating_user"]):
        assert set(card) == {"code", "type"} or set(card) == {"full_name", "user_id"}
