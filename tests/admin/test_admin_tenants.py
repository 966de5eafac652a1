"""Tenants through the admin API: only the platform operator's scope, which ``admin`` does not
include and cannot hand out."""

from __future__ import annotations

from admin_support import admin_headers


def test_the_operator_creates_and_lists_tenants(http, engine):
    operator = admin_headers(http, engine, "acme", scopes=("admin:tenants",))
    created = http.post("/admin/tenants", json={"id": "initech", "name": "Initech"}, headers=operator)
    assert created.status_code == 201 and created.json() == {"id": "initech", "name": "Initech"}
    assert "initech" in engine.tenant_ids()
    assert http.post("/admin/tenants", json={"id": "initech"}, headers=operator).status_code == 409
    assert [t["id"] for t in http.get("/admin/tenants", headers=operator).json()] == ["acme", "globex", "initech"]


def test_a_tenant_admin_can_neither_create_tenants_nor_grant_the_scope(http, engine, acme):
    before = engine.tenant_ids()
    refused = http.post("/admin/tenants", json={"id": "sneaky"}, headers=acme)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert http.get("/admin/tenants", headers=acme).status_code == 403
    escalation = http.post("/admin/clients", json={"scopes": ["admin:tenants"]}, headers=acme)
    assert escalation.status_code == 403
    assert engine.tenant_ids() == before
    assert http.post("/admin/tenants", json={"id": "x"}).status_code == 401


def test_bad_tenant_bodies_write_nothing(http, engine):
    operator = admin_headers(http, engine, "acme", scopes=("admin:tenants",))
    before = engine.tenant_ids()
    for body in ({"id": ""}, {"id": "has space"}, {"id": "ok", "extra": 1}, {"name": "no id"}, {"id": 7}):
        response = http.post("/admin/tenants", json=body, headers=operator)
        assert response.status_code in (400, 422), body
    assert engine.tenant_ids() == before
