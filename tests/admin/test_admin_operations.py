"""The admin operations do what they say, over HTTP, and show secrets only once."""

from __future__ import annotations

import pytest
from admin_support import bearer, get_token

import voucher_engine_admin
from voucher_engine import Money
from voucher_engine.errors import NotFound, Unauthorized
from voucher_engine_admin.context import services

HS256_SECRET = "s" * 32


def test_tenant_says_who_is_calling(http, acme):
    body = http.get("/admin/tenant", headers=acme).json()
    assert body["id"] == "acme" and body["scopes"] == ["admin"] and body["client_id"].startswith("cli_")


def test_clients_create_list_disable(http, acme):
    created = http.post("/admin/clients", json={"scopes": ["vouchers:read"], "name": "JTL shop"}, headers=acme)
    assert created.status_code == 201
    client = created.json()
    assert client["client_secret"].startswith("cs_") and client["active"] is True
    listed = http.get("/admin/clients", headers=acme).json()
    shown = next(c for c in listed if c["client_id"] == client["client_id"])
    assert "client_secret" not in shown and shown["name"] == "JTL shop" and shown["scopes"] == ["vouchers:read"]
    assert http.get(f"/admin/clients/{client['client_id']}", headers=acme).json() == shown
    disabled = http.post(f"/admin/clients/{client['client_id']}/disable", headers=acme).json()
    assert disabled["active"] is False


def test_distributors_token_once_and_rotation(http, engine, acme):
    created = http.post("/admin/distributors", json={"id": "shop-9", "name": "Shop nine"}, headers=acme)
    assert created.status_code == 201
    token = created.json()["token"]
    identity = services(engine).identity
    assert identity.authenticate_distributor(token).distributor_id == "shop-9"
    listed = http.get("/admin/distributors", headers=acme).json()
    assert [(d["id"], d["name"]) for d in listed] == [("shop-9", "Shop nine")] and "token" not in listed[0]
    rotated = http.post("/admin/distributors/shop-9/rotate-token", headers=acme).json()["token"]
    assert identity.authenticate_distributor(rotated).distributor_id == "shop-9"
    with pytest.raises(Unauthorized):
        identity.authenticate_distributor(token)
    again = http.post("/admin/distributors", json={"id": "shop-9"}, headers=acme)
    assert again.status_code == 409 and again.json()["code"] == "already_exists"


def test_partners_register_without_echoing_the_key(http, engine, acme):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    public = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    es = http.post("/admin/partners", json={"id": "jackpot", "algorithm": "ES256", "key": public}, headers=acme)
    assert es.status_code == 201 and es.json() == {"id": "jackpot", "algorithm": "ES256", "audience": None}
    hs = http.post(
        "/admin/partners",
        json={"id": "legacy", "algorithm": "HS256", "key": HS256_SECRET, "audience": "acme"},
        headers=acme,
    )
    assert hs.status_code == 201 and HS256_SECRET not in hs.text
    import jwt

    token = jwt.encode(
        {
            "iss": "legacy",
            "aud": "acme",
            "jti": "j1",
            "iat": int(engine.clock.now().timestamp()),
            "exp": int(engine.clock.now().timestamp()) + 60,
        },
        HS256_SECRET,
        algorithm="HS256",
    )
    assert services(engine).identity.use_partner_jwt("acme", token).partner_id == "legacy"


def test_staff_users_and_roles(http, engine, acme):
    created = http.post(
        "/admin/staff",
        json={"email": "Ann@Example.com", "password": "pw", "full_name": "Ann", "roles": {"domain:8": "admin"}},
        headers=acme,
    )
    assert created.status_code == 201
    user = created.json()
    assert user["email"] == "ann@example.com" and user["roles"] == {"domain:8": "admin"} and "password" not in user
    changed = http.post(
        f"/admin/staff/{user['id']}/roles", json={"scope": "domain:9", "role": "cashier"}, headers=acme
    ).json()
    assert changed["roles"] == {"domain:8": "admin", "domain:9": "cashier"}
    identity = services(engine).identity
    assert identity.login("acme", "ann@example.com", "pw", "domain:9").user.roles["domain:9"] == "cashier"
    removed = http.post(f"/admin/staff/{user['id']}/roles", json={"scope": "domain:8", "role": None}, headers=acme)
    assert removed.json()["roles"] == {"domain:9": "cashier"}
    assert http.get(f"/admin/staff/{user['id']}", headers=acme).json() == removed.json()


def test_catalog_put_get_list(http, engine, acme):
    engine.create_pool("acme", "p1")
    store = http.put("/admin/stores/s1", json={"name": "Shop", "url": "https://shop.example"}, headers=acme)
    assert store.json() == {"id": "s1", "name": "Shop", "url": "https://shop.example", "active": True}
    ranged = {
        "store_id": "s1",
        "name": "Any",
        "currency": "EUR",
        "min_value": "5.00",
        "max_value": "100.00",
        "step": "0.50",
        "discount_bp": 500,
        "pool_id": "p1",
    }
    offer = http.put("/admin/offers/o1", json=ranged, headers=acme).json()
    assert (offer["min_value"], offer["max_value"], offer["step"], offer["denominations"]) == (
        "5.00",
        "100.00",
        "0.50",
        [],
    )
    assert engine.get_offer("acme", "o1").min_value == 500 and engine.get_offer("acme", "o1").step == 50
    fixed = {"store_id": "s1", "name": "Ten", "currency": "JPY", "denominations": ["1000", "5000"]}
    assert http.put("/admin/offers/o2", json=fixed, headers=acme).json()["denominations"] == ["1000", "5000"]
    assert [o["id"] for o in http.get("/admin/offers", headers=acme).json()] == ["o1", "o2"]
    campaign = {
        "name": "Spring",
        "pool_id": "p1",
        "starts_at": "2030-03-01T00:00:00+01:00",
        "trigger_categories": ["books"],
        "distributors": ["shop-9"],
        "priority": 2,
        "cap": 10,
    }
    put = http.put("/admin/campaigns/c1", json=campaign, headers=acme).json()
    assert put["starts_at"] == "2030-02-28T23:00:00+00:00" and put["issued"] == 0 and put["cap"] == 10
    assert http.get("/admin/campaigns/c1", headers=acme).json() == put
    assert http.get("/admin/campaigns", headers=acme).json() == [put]
    http.put("/admin/stores/s1", json={"name": "Shop", "active": False}, headers=acme)
    assert http.get("/admin/stores", headers=acme).json()[0]["active"] is False


def test_vouchers_issue_get_ledger_history_and_stats(http, engine, acme):
    body = {
        "kind": "monetary",
        "value": "25.00",
        "currency": "EUR",
        "code": "GIFT-1",
        "pin": "1234",
        "validity": [{"days_after_issue": 30}],
        "metadata": {"order": "A-1"},
    }
    headers = {**acme, "Idempotency-Key": "issue-1"}
    issued = http.post("/admin/vouchers", json=body, headers=headers)
    assert issued.status_code == 201
    voucher = issued.json()
    assert (voucher["code"], voucher["available"], voucher["has_pin"]) == ("GIFT-1", "25.00", True)
    assert "pin" not in voucher and "pin_hash" not in voucher
    assert http.post("/admin/vouchers", json=body, headers=headers).json() == voucher  # same key: no second one
    engine.redeem("acme", code="GIFT-1", amount=Money.parse("10.00", "EUR"), pin="1234", reference="r1")
    assert http.get("/admin/vouchers/GIFT-1", headers=acme).json()["available"] == "15.00"
    ledger = http.get("/admin/vouchers/GIFT-1/ledger", headers=acme).json()
    assert [(e["kind"], e["available_delta"]) for e in ledger] == [("issue", "25.00"), ("redeem", "-10.00")]
    history = http.get("/admin/vouchers/GIFT-1/history", headers=acme).json()
    assert [(h["kind"], h["amount"], h["reference"]) for h in history] == [("redeem", "10.00", "r1")]
    uses = http.post("/admin/vouchers", json={"kind": "multi_use", "uses": 3}, headers=acme).json()
    assert uses["available"] == 3 and uses["currency"] is None
    stats = http.get("/admin/stats", headers=acme).json()
    assert stats["vouchers"] == {"available": 1, "partially_redeemed": 1}


def test_webhook_endpoints_and_the_delivery_log(http, engine, acme):
    created = http.post(
        "/admin/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["voucher.issued"], "description": "ops"},
        headers=acme,
    )
    assert created.status_code == 201
    endpoint = created.json()
    secret = endpoint.pop("secret")
    assert secret.startswith("whsec_")
    assert http.get("/admin/webhooks", headers=acme).json() == [endpoint]
    rotated = http.post(f"/admin/webhooks/{endpoint['id']}/rotate-secret", headers=acme).json()
    assert rotated["secret"] != secret
    disabled = http.post(
        f"/admin/webhooks/{endpoint['id']}/disable", params={"reason": "maintenance"}, headers=acme
    ).json()
    assert (disabled["enabled"], disabled["disabled_reason"]) == (False, "maintenance")
    assert http.post(f"/admin/webhooks/{endpoint['id']}/enable", headers=acme).json()["enabled"] is True

    http.post("/admin/vouchers", json={"kind": "single_use"}, headers=acme)
    event = engine.events("acme", type="voucher.issued")[0].event_id
    redone = http.post(f"/admin/events/{event}/redeliver", headers=acme).json()
    assert [(d["endpoint_id"], d["event_id"], d["status"]) for d in redone] == [(endpoint["id"], event, "pending")]
    log = http.get("/admin/deliveries", params={"event_id": event}, headers=acme).json()
    assert [d["id"] for d in log] == [redone[0]["id"]]
    one = http.get(f"/admin/deliveries/{redone[0]['id']}", headers=acme).json()
    assert one["attempt_log"] == [] and one["status"] == "pending"
    again = http.post(f"/admin/deliveries/{redone[0]['id']}/redeliver", headers=acme).json()
    assert again["status"] == "pending" and again["id"] == redone[0]["id"]
    assert http.get("/admin/deliveries", params={"status": "succeeded"}, headers=acme).json() == []


def test_bootstrap_makes_the_first_admin_client(http, engine):
    with pytest.raises(NotFound):
        voucher_engine_admin.bootstrap(engine, "initech")
    client_id, secret = voucher_engine_admin.bootstrap(engine, "initech", create_tenant=True)
    headers = bearer(get_token(http, client_id, secret))
    assert http.get("/admin/tenant", headers=headers).json()["id"] == "initech"
    assert http.post("/admin/pools", json={"id": "p"}, headers=headers).status_code == 201
    assert [p.pool_id for p in engine.list_pools("initech")] == ["p"]
