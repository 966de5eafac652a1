"""The token endpoint (RFC 6749 4.4, errors per 5.2) and scope enforcement, over HTTP."""

from __future__ import annotations

import pytest
from admin_support import TOKEN_PATH, basic, bearer, get_token

import voucher_engine_admin

GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def reader(engine):
    """A client of acme allowed admin:read and admin:pools."""
    return voucher_engine_admin.bootstrap(engine, "acme", scopes=("admin:read", "admin:pools"))


def _oauth_error(response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str) and body["error_description"]
    assert set(body) == {"error", "error_description"}
    assert response.headers["cache-control"] == "no-store"


def test_basic_authentication_gets_every_allowed_scope(http, reader):
    client_id, secret = reader
    response = http.post(TOKEN_PATH, data=GRANT, headers=basic(client_id, secret))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "admin:pools admin:read"
    assert response.headers["cache-control"] == "no-store"
    assert http.get("/admin/pools", headers=bearer(body["access_token"])).status_code == 200


def test_form_authentication_with_a_narrower_scope(http, reader):
    client_id, secret = reader
    form = {**GRANT, "client_id": client_id, "client_secret": secret, "scope": "admin:read"}
    response = http.post(TOKEN_PATH, data=form)
    assert response.status_code == 200
    assert response.json()["scope"] == "admin:read"
    headers = bearer(response.json()["access_token"])
    assert http.get("/admin/pools", headers=headers).status_code == 200
    # The token carries only what was asked for: admin:pools was not.
    assert http.post("/admin/pools", json={"id": "p"}, headers=headers).status_code == 403


def test_basic_credentials_are_form_decoded(http, engine):
    # RFC 6749 2.3.1: id and secret are form-encoded before Basic joins them.
    client_id, secret = voucher_engine_admin.bootstrap(engine, "acme")
    encoded = basic(client_id.replace("_", "%5F"), secret)
    assert http.post(TOKEN_PATH, data=GRANT, headers=encoded).status_code == 200


REFUSALS = [
    ("no grant_type", 400, "invalid_request"),
    ("JSON body", 400, "invalid_request"),
    ("repeated parameter", 400, "invalid_request"),
    ("two authentication methods", 400, "invalid_request"),
    ("password grant", 400, "unsupported_grant_type"),
    ("no client authentication", 401, "invalid_client"),
    ("wrong secret by Basic", 401, "invalid_client"),
    ("unknown client by form", 401, "invalid_client"),
    ("Bearer instead of Basic", 401, "invalid_client"),
    ("malformed Basic", 401, "invalid_client"),
    ("scope beyond the client's", 400, "invalid_scope"),
    ("malformed scope", 400, "invalid_scope"),
]
#: RFC 6749 5.2: a client that tried the Authorization header is told to use Basic.
TRIED_THE_HEADER = {"wrong secret by Basic", "Bearer instead of Basic", "malformed Basic"}


def test_every_refusal_in_rfc_6749_shape(http, reader):
    """All cases in one test per backend (a fresh database per case would cost half a minute);
    a failure names every case that was not refused as it should be."""
    client_id, secret = reader
    auth = basic(client_id, secret)
    form_auth = {"client_id": client_id, "client_secret": secret}
    requests = {
        "no grant_type": lambda: http.post(TOKEN_PATH, data={"scope": "admin:read"}, headers=auth),
        "JSON body": lambda: http.post(TOKEN_PATH, json={**GRANT, **form_auth}),
        "repeated parameter": lambda: http.post(
            TOKEN_PATH,
            content=b"grant_type=client_credentials&grant_type=client_credentials",
            headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
        ),
        "two authentication methods": lambda: http.post(TOKEN_PATH, data={**GRANT, **form_auth}, headers=auth),
        "password grant": lambda: http.post(TOKEN_PATH, data={"grant_type": "password"}, headers=auth),
        "no client authentication": lambda: http.post(TOKEN_PATH, data=GRANT),
        "wrong secret by Basic": lambda: http.post(TOKEN_PATH, data=GRANT, headers=basic(client_id, secret + "x")),
        "unknown client by form": lambda: http.post(
            TOKEN_PATH, data={**GRANT, "client_id": "cli_nobody", "client_secret": secret}
        ),
        "Bearer instead of Basic": lambda: http.post(TOKEN_PATH, data=GRANT, headers=bearer(secret)),
        "malformed Basic": lambda: http.post(TOKEN_PATH, data=GRANT, headers={"Authorization": "Basic !!!"}),
        "scope beyond the client's": lambda: http.post(TOKEN_PATH, data={**GRANT, "scope": "admin"}, headers=auth),
        "malformed scope": lambda: http.post(TOKEN_PATH, data={**GRANT, "scope": 'admin:"read"'}, headers=auth),
    }
    wrong = []
    for case, status, error in REFUSALS:
        response = requests[case]()
        try:
            _oauth_error(response, status, error)
            assert response.headers.get("www-authenticate", "").startswith("Basic ") == (case in TRIED_THE_HEADER)
        except AssertionError:
            wrong.append(f"{case}: {response.status_code} {response.text} {dict(response.headers)}")
    assert wrong == []


def test_a_disabled_client_gets_no_new_token(http, engine, acme):
    client_id, secret = voucher_engine_admin.bootstrap(engine, "acme", scopes=("admin:read",))
    assert http.post(f"/admin/clients/{client_id}/disable", headers=acme).status_code == 200
    _oauth_error(http.post(TOKEN_PATH, data=GRANT, headers=basic(client_id, secret)), 401, "invalid_client")


def test_a_rotated_secret_replaces_the_old_one(http, engine, acme):
    client_id, secret = voucher_engine_admin.bootstrap(engine, "acme", scopes=("admin:read",))
    rotated = http.post(f"/admin/clients/{client_id}/rotate-secret", headers=acme)
    assert rotated.status_code == 200
    new_secret = rotated.json()["client_secret"]
    _oauth_error(http.post(TOKEN_PATH, data=GRANT, headers=basic(client_id, secret)), 401, "invalid_client")
    assert get_token(http, client_id, new_secret)


# --- scopes on the admin operations -----------------------------------------------------------


def test_no_token_is_401_in_the_admin_shape(http, engine):
    # A valid body: the adapter decodes bodies before it authenticates.
    for method, path in [("GET", "/admin/tenant"), ("POST", "/admin/pools"), ("GET", "/admin/pools/p/export")]:
        response = http.request(method, path, json={"id": "p"} if method == "POST" else None)
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthorized"
    assert engine.list_pools("acme") == []


def test_each_area_scope_opens_its_area_only(http, engine):
    pools_only = voucher_engine_admin.bootstrap(engine, "acme", scopes=("admin:pools",))
    headers = bearer(get_token(http, *pools_only))
    assert http.post("/admin/pools", json={"id": "p1"}, headers=headers).status_code == 201
    assert http.get("/admin/pools/p1/export", headers=headers).status_code == 200
    refused = http.put("/admin/stores/s1", json={"name": "Shop"}, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert http.get("/admin/clients", headers=headers).status_code == 403
    assert engine.list_stores("acme", active_only=False) == []


def test_admin_read_reads_everything_but_changes_nothing_and_exports_no_codes(http, engine):
    engine.create_pool("acme", "p1")
    headers = bearer(get_token(http, *voucher_engine_admin.bootstrap(engine, "acme", scopes=("admin:read",))))
    for path in [
        "/admin/tenant",
        "/admin/clients",
        "/admin/pools",
        "/admin/pools/p1",
        "/admin/stores",
        "/admin/campaigns",
        "/admin/offers",
        "/admin/stats",
        "/admin/webhooks",
        "/admin/deliveries",
    ]:
        assert http.get(path, headers=headers).status_code == 200, path
    assert http.get("/admin/pools/p1/export", headers=headers).status_code == 403
    assert http.post("/admin/pools", json={"id": "p2"}, headers=headers).status_code == 403
    assert [p.pool_id for p in engine.list_pools("acme")] == ["p1"]


def test_a_client_cannot_grant_admin_scopes_it_does_not_hold(http, engine):
    headers = bearer(get_token(http, *voucher_engine_admin.bootstrap(engine, "acme", scopes=("admin:identity",))))
    before = http.get("/admin/clients", headers=headers).json()
    refused = http.post("/admin/clients", json={"scopes": ["admin"]}, headers=headers)
    assert refused.status_code == 403
    assert http.get("/admin/clients", headers=headers).json() == before
    # Scopes of other APIs, and its own admin scope, it may hand out.
    created = http.post("/admin/clients", json={"scopes": ["vouchers:read", "admin:identity"]}, headers=headers)
    assert created.status_code == 201
    assert created.json()["scopes"] == ["admin:identity", "vouchers:read"]
