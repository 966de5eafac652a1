"""One tenant's objects are invisible to another: every object kind answers 404 to acme's
admin token, nothing of globex's changes, and acme's lists do not show them."""

from __future__ import annotations

from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine_admin.context import services


def _globex_objects(http, engine, globex) -> dict[str, str]:
    """One object of every kind in tenant globex, made through the API; their ids."""

    def ok(response):
        assert response.status_code in (200, 201), response.text
        return response.json()

    client = ok(http.post("/admin/clients", json={"scopes": ["admin:read"]}, headers=globex))
    distributor = ok(http.post("/admin/distributors", json={"id": "d1"}, headers=globex))
    ids = {
        "client": client["client_id"],
        "client_secret": client["client_secret"],
        "distributor": distributor["id"],
        "distributor_token": distributor["token"],
        "staff": ok(http.post("/admin/staff", json={"email": "g@example.com", "password": "pw"}, headers=globex))["id"],
        "pool": ok(http.post("/admin/pools", json={"id": "gp", "code_format": {"pattern": "G-####"}}, headers=globex))[
            "id"
        ],
        "store": ok(http.put("/admin/stores/gs", json={"name": "G"}, headers=globex))["id"],
        "webhook": ok(http.post("/admin/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=globex))["id"],
    }
    ok(http.post("/admin/pools/gp/codes", json=["G-1"], headers=globex))
    ok(http.put("/admin/campaigns/gc", json={"name": "G", "pool_id": "gp"}, headers=globex))
    ok(
        http.put(
            "/admin/offers/go",
            json={"store_id": "gs", "name": "G", "currency": "EUR", "denominations": ["10.00"]},
            headers=globex,
        )
    )
    ok(
        http.post(
            "/admin/vouchers",
            json={"kind": "monetary", "value": "20.00", "currency": "EUR", "code": "GV"},
            headers=globex,
        )
    )
    engine.redeem("globex", code="GV", amount=Money.parse("5.00", "EUR"))
    event = engine.events("globex", type="voucher.issued")[0].event_id
    ids["event"] = event
    ids["delivery"] = ok(http.post(f"/admin/events/{event}/redeliver", headers=globex))[0]["id"]
    ids.update(campaign="gc", offer="go", voucher="GV")
    return ids


def test_every_object_kind_of_another_tenant_is_not_found(http, engine, acme, globex):
    ids = _globex_objects(http, engine, globex)
    snapshot = {path: http.get(path, headers=globex).json() for path in LISTS}
    attempts = [
        ("GET", f"/admin/clients/{ids['client']}", None),
        ("POST", f"/admin/clients/{ids['client']}/disable", None),
        ("POST", f"/admin/clients/{ids['client']}/rotate-secret", None),
        ("GET", "/admin/distributors/d1", None),
        ("POST", "/admin/distributors/d1/rotate-token", None),
        ("GET", f"/admin/staff/{ids['staff']}", None),
        ("POST", f"/admin/staff/{ids['staff']}/roles", {"scope": "x", "role": "admin"}),
        ("GET", "/admin/campaigns/gc", None),
        ("GET", "/admin/stores/gs", None),
        ("GET", "/admin/offers/go", None),
        ("GET", "/admin/pools/gp", None),
        ("GET", "/admin/pools/gp/export", None),
        ("POST", "/admin/pools/gp/generate", {"count": 3}),
        ("GET", "/admin/vouchers/GV", None),
        ("GET", "/admin/vouchers/GV/ledger", None),
        ("GET", "/admin/vouchers/GV/history", None),
        ("GET", f"/admin/webhooks/{ids['webhook']}", None),
        ("POST", f"/admin/webhooks/{ids['webhook']}/disable", None),
        ("POST", f"/admin/webhooks/{ids['webhook']}/enable", None),
        ("POST", f"/admin/webhooks/{ids['webhook']}/rotate-secret", None),
        ("GET", f"/admin/deliveries/{ids['delivery']}", None),
        ("POST", f"/admin/deliveries/{ids['delivery']}/redeliver", None),
        ("POST", f"/admin/events/{ids['event']}/redeliver", None),
    ]
    seen = {}
    for method, path, body in attempts:
        response = http.request(method, path, json=body, headers=acme)
        if response.status_code != 404 or not response.json()["code"].endswith("not_found"):
            seen[f"{method} {path}"] = (response.status_code, response.text)
    csv_import = http.post(
        "/admin/pools/gp/codes",
        content=b"X-1\n",
        params={"header": "false"},
        headers={**acme, "Content-Type": "text/csv"},
    )
    if csv_import.status_code != 404:
        seen["import"] = csv_import.text
    assert seen == {}
    # Nothing of globex's changed...
    assert {path: http.get(path, headers=globex).json() for path in LISTS} == snapshot
    assert engine.pool_status("globex", "gp").size == 1
    identity = services(engine).identity
    assert identity.authenticate_distributor(ids["distributor_token"]).tenant_id == "globex"
    assert identity.client_credentials(ids["client"], ids["client_secret"]).scope == "admin:read"
    # ... and acme's lists hold none of it.
    for path in LISTS:
        listed = http.get(path, headers=acme).json()
        mine = [
            item for item in listed if item.get("id") in set(ids.values()) or item.get("client_id") == ids["client"]
        ]
        assert mine == [], path


def test_names_may_repeat_across_tenants(http, engine, acme, globex):
    for headers in (acme, globex):
        assert http.post("/admin/pools", json={"id": "same"}, headers=headers).status_code == 201
        assert http.post("/admin/distributors", json={"id": "same"}, headers=headers).status_code == 201
    engine.issue("acme", VoucherSpec(VoucherKind.SINGLE_USE), code="ONLY-ACME")
    assert http.get("/admin/vouchers/ONLY-ACME", headers=globex).status_code == 404
    assert http.get("/admin/vouchers/ONLY-ACME", headers=acme).status_code == 200


LISTS = [
    "/admin/clients",
    "/admin/distributors",
    "/admin/campaigns",
    "/admin/stores",
    "/admin/offers",
    "/admin/pools",
    "/admin/webhooks",
    "/admin/deliveries",
]
