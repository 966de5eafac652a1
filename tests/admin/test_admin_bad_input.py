"""Bad input of every kind gets the documented error ({"code", "message"}; 400 for a body
that does not parse, 422 for one that does not fit) and writes nothing."""

from __future__ import annotations

import pytest

JSON = {"Content-Type": "application/json"}

VOUCHER = {"kind": "monetary", "value": "10.00", "currency": "EUR"}
OFFER = {"store_id": "s1", "name": "Ten", "currency": "EUR", "denominations": ["10.00"]}

# Cases whose refusal must name a field (None: the body as a whole).
FIELD_CASES = [
    # (what, method, path, raw body, the field named, status, code)
    (
        "offer step of zero",
        "PUT",
        "/admin/offers/o1",
        b'{"store_id": "s1", "name": "x", "currency": "EUR", "min_value": "1.00", "max_value": "5.00", "step": "0.00"}',
        "step",
        422,
        "invalid",
    ),
    (
        "campaign start as a number",
        "PUT",
        "/admin/campaigns/c1",
        b'{"name": "C", "starts_at": 0}',
        "starts_at",
        422,
        "invalid",
    ),
    (
        "validity end as a number",
        "POST",
        "/admin/vouchers",
        b'{"kind": "single_use", "validity": [{"end": 1893456000}]}',
        "validity[0].end",
        422,
        "invalid",
    ),
    ("count as a string", "PUT", "/admin/campaigns/c1", b'{"name": "C", "cap": "5"}', "cap", 422, "invalid"),
    ("NUL in a name", "PUT", "/admin/stores/s3", b'{"name": "a\\u0000b"}', "name", 422, "invalid"),
    (
        "NUL in a metadata key",
        "POST",
        "/admin/vouchers",
        b'{"kind": "single_use", "metadata": {"a\\u0000": 1}}',
        "metadata.a\x00",
        422,
        "invalid",
    ),
    ("NUL in a path segment", "PUT", "/admin/stores/s%00", b'{"name": "S"}', "store_id", 422, "invalid"),
    (
        "cap beyond 64 bits",
        "PUT",
        "/admin/campaigns/c1",
        b'{"name": "C", "cap": 100000000000000000000}',
        "cap",
        422,
        "invalid",
    ),
    (
        "metadata number beyond 64 bits",
        "POST",
        "/admin/vouchers",
        b'{"kind": "single_use", "metadata": {"n": -100000000000000000000}}',
        "metadata.n",
        422,
        "invalid",
    ),
    (
        "metadata nested 1000 deep",
        "POST",
        "/admin/vouchers",
        b'{"kind": "single_use", "metadata": {"a": ' + b"[" * 1000 + b"]" * 1000 + b"}}",
        None,
        400,
        "malformed",
    ),
]

# (what, method, path, raw body, status, code)
CASES = [
    ("malformed JSON", "POST", "/admin/vouchers", b'{"kind": "monetary",', 400, "malformed"),
    ("not an object", "POST", "/admin/vouchers", b'["monetary"]', 422, "invalid"),
    (
        "wrong type",
        "POST",
        "/admin/vouchers",
        b'{"kind": "monetary", "value": 10.0, "currency": "EUR"}',
        422,
        "invalid",
    ),
    (
        "unknown field",
        "POST",
        "/admin/vouchers",
        b'{"kind": "monetary", "value": "10.00", "currency": "EUR", "colour": "red"}',
        422,
        "invalid",
    ),
    ("unknown kind", "POST", "/admin/vouchers", b'{"kind": "gold"}', 422, "invalid"),
    (
        "amount with a comma",
        "POST",
        "/admin/vouchers",
        b'{"kind": "monetary", "value": "10,00", "currency": "EUR"}',
        422,
        "invalid",
    ),
    (
        "too many decimals for EUR",
        "POST",
        "/admin/vouchers",
        b'{"kind": "monetary", "value": "10.005", "currency": "EUR"}',
        422,
        "invalid_amount",
    ),
    (
        "decimals for JPY",
        "POST",
        "/admin/vouchers",
        b'{"kind": "monetary", "value": "10.5", "currency": "JPY"}',
        422,
        "invalid_amount",
    ),
    (
        "unknown currency",
        "POST",
        "/admin/vouchers",
        b'{"kind": "monetary", "value": "10.00", "currency": "XYZ"}',
        422,
        "unknown_currency",
    ),
    (
        "lower-case currency",
        "POST",
        "/admin/vouchers",
        b'{"kind": "monetary", "value": "10.00", "currency": "eur"}',
        422,
        "invalid",
    ),
    (
        "zero value",
        "POST",
        "/admin/vouchers",
        b'{"kind": "monetary", "value": "0.00", "currency": "EUR"}',
        422,
        "invalid_amount",
    ),
    (
        "uses on a monetary voucher",
        "POST",
        "/admin/vouchers",
        b'{"kind": "monetary", "value": "1.00", "currency": "EUR", "uses": 3}',
        422,
        "invalid",
    ),
    (
        "naive validity instant",
        "POST",
        "/admin/vouchers",
        b'{"kind": "single_use", "validity": [{"end": "2030-01-01T00:00:00"}]}',
        422,
        "invalid",
    ),
    (
        "too many stores",
        "POST",
        "/admin/vouchers",
        b'{"kind": "single_use", "redeemable_at": [' + b",".join(b'"s%d"' % i for i in range(101)) + b"]}",
        422,
        "invalid",
    ),
    (
        "offer denomination in the wrong format",
        "PUT",
        "/admin/offers/o1",
        b'{"store_id": "s1", "name": "x", "currency": "EUR", "denominations": ["10.5.0"]}',
        422,
        "invalid",
    ),
    (
        "offer in an unknown currency",
        "PUT",
        "/admin/offers/o1",
        b'{"store_id": "s1", "name": "x", "currency": "ABC", "denominations": ["10.00"]}',
        422,
        "unknown_currency",
    ),
    (
        "offer with both denominations and a range",
        "PUT",
        "/admin/offers/o1",
        b'{"store_id": "s1", "name": "x", "currency": "EUR", "denominations": ["10.00"], "min_value": "1.00", '
        b'"max_value": "5.00"}',
        422,
        "invalid",
    ),
    (
        "offer of a missing store",
        "PUT",
        "/admin/offers/o1",
        b'{"store_id": "nope", "name": "x", "currency": "EUR", "denominations": ["10.00"]}',
        404,
        "store_not_found",
    ),
    (
        "campaign of a missing pool",
        "PUT",
        "/admin/campaigns/c1",
        b'{"name": "C", "pool_id": "nope"}',
        404,
        "pool_not_found",
    ),
    (
        "campaign ending before it starts",
        "PUT",
        "/admin/campaigns/c1",
        b'{"name": "C", "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}',
        422,
        "invalid",
    ),
    (
        "campaign with too many categories",
        "PUT",
        "/admin/campaigns/c1",
        b'{"name": "C", "trigger_categories": [' + b",".join(b'"c%d"' % i for i in range(101)) + b"]}",
        422,
        "invalid",
    ),
    ("negative cap", "PUT", "/admin/campaigns/c1", b'{"name": "C", "cap": -1}', 422, "invalid"),
    ("store URL not http", "PUT", "/admin/stores/s2", b'{"name": "S", "url": "javascript:alert(1)"}', 422, "invalid"),
    ("pool id with a slash", "POST", "/admin/pools", b'{"id": "a/b"}', 422, "invalid"),
    (
        "pool pattern without a random symbol",
        "POST",
        "/admin/pools",
        b'{"id": "p", "code_format": {"pattern": "AB"}}',
        422,
        "invalid_code_format",
    ),
    ("client without scopes", "POST", "/admin/clients", b'{"scopes": []}', 422, "invalid"),
    ("client scope with a quote", "POST", "/admin/clients", b'{"scopes": ["a\\"b"]}', 422, "invalid"),
    ("distributor id too long", "POST", "/admin/distributors", b'{"id": "' + b"d" * 65 + b'"}', 422, "invalid"),
    (
        "partner with an unknown algorithm",
        "POST",
        "/admin/partners",
        b'{"id": "p", "algorithm": "RS256", "key": "k"}',
        422,
        "invalid",
    ),
    (
        "partner HS256 secret too short",
        "POST",
        "/admin/partners",
        b'{"id": "p", "algorithm": "HS256", "key": "short"}',
        422,
        "invalid",
    ),
    (
        "partner ES256 key that is no key",
        "POST",
        "/admin/partners",
        b'{"id": "p", "algorithm": "ES256", "key": "not a pem"}',
        422,
        "invalid",
    ),
    ("staff email without @", "POST", "/admin/staff", b'{"email": "nobody", "password": "pw"}', 422, "invalid"),
    ("webhook URL not http", "POST", "/admin/webhooks", b'{"url": "ftp://127.0.0.1/x"}', 422, "unsafe_webhook_url"),
    (
        "webhook URL on a private network",
        "POST",
        "/admin/webhooks",
        b'{"url": "http://10.1.2.3/x"}',
        422,
        "unsafe_webhook_url",
    ),
    (
        "webhook with an empty event list",
        "POST",
        "/admin/webhooks",
        b'{"url": "http://127.0.0.1:9/x", "event_types": []}',
        422,
        "invalid",
    ),
    ("query out of range", "GET", "/admin/deliveries?limit=0", None, 422, "invalid"),
    *(case[:4] + case[5:] for case in FIELD_CASES),
]


def _state(http, engine, acme) -> dict:
    """Everything the cases could have written."""
    return {
        "lists": {
            p: http.get(p, headers=acme).json()
            for p in (
                "/admin/clients",
                "/admin/distributors",
                "/admin/campaigns",
                "/admin/stores",
                "/admin/offers",
                "/admin/pools",
                "/admin/webhooks",
            )
        },
        "outbox": engine.outbox_size(),
        "stats": engine.stats("acme"),
    }


def test_every_bad_input_gets_its_error_and_writes_nothing(http, engine, acme):
    """All cases in one test per backend (a fresh database per case would cost a minute); a
    failure lists every case answered otherwise."""
    assert http.put("/admin/stores/s1", json={"name": "Shop"}, headers=acme).status_code == 200
    before = _state(http, engine, acme)
    wrong = {}
    for what, method, path, body, status, code in CASES:
        response = http.request(method, path, content=body, headers={**acme, **JSON})
        got = response.json()
        if response.status_code != status or got.get("code") != code or not isinstance(got.get("message"), str):
            wrong[what] = (response.status_code, response.text)
    assert wrong == {}
    assert _state(http, engine, acme) == before


@pytest.mark.parametrize("path", ["/admin/vouchers", "/admin/pools", "/admin/clients"])
def test_a_body_over_the_limit_is_413_in_the_admin_shape(http, acme, path):
    response = http.post(path, content=b'{"x": "' + b"a" * 70_000 + b'"}', headers={**acme, **JSON})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_routing_errors_under_the_prefix_use_the_admin_shape(http, acme):
    missing = http.get("/admin/no-such-thing", headers=acme)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong_method = http.delete("/admin/pools", headers=acme)
    assert wrong_method.status_code == 405 and set(wrong_method.json()) == {"code", "message"}


def test_each_refusal_names_its_field(http, acme):
    """The cases that were stored wrongly (a step of "0.00" as 0.01, ``starts_at: 0`` as 1970)
    or answered 500/503 (deep nesting, NUL, numbers beyond 64 bits): the field is named."""
    assert http.put("/admin/stores/s1", json={"name": "Shop"}, headers=acme).status_code == 200
    named = {}
    for what, method, path, body, _field, _status, _code in FIELD_CASES:
        got = http.request(method, path, content=body, headers={**acme, **JSON}).json()
        named[what] = [f["field"] for f in got.get("fields", [])][:1] or None
    assert named == {what: [field] if field else None for what, _m, _p, _b, field, _s, _c in FIELD_CASES}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded"]
)
def test_a_json_body_under_another_content_type_is_refused_naming_the_header(http, acme, content_type):
    response = http.put("/admin/stores/s9", content=b'{"name": "Shop"}', headers={**acme, "Content-Type": content_type})
    assert response.status_code == 400 and response.json()["code"] == "malformed"
    assert response.json()["fields"][0]["field"] == "Content-Type"
    assert http.get("/admin/stores/s9", headers=acme).status_code == 404
    # JSON by any JSON media type is accepted, and so is a body that names no type at all.
    for accepted in ("application/json; charset=utf-8", "application/merge-patch+json"):
        assert (
            http.put(
                "/admin/stores/s9", content=b'{"name": "Shop"}', headers={**acme, "Content-Type": accepted}
            ).status_code
            == 200
        )


def test_references_to_another_tenants_objects_are_404(http, engine, acme, globex):
    """Globex's pool, campaign, offer and store exist; acme naming them is told "not found",
    exactly as for ids nobody has, and nothing of acme's changes."""
    assert http.post("/admin/pools", json={"id": "gpool"}, headers=globex).status_code == 201
    assert http.put("/admin/stores/gshop", json={"name": "G"}, headers=globex).status_code == 200
    assert http.put("/admin/campaigns/gcamp", json={"name": "G"}, headers=globex).status_code == 200
    assert http.put("/admin/offers/goffer", json={**OFFER, "store_id": "gshop"}, headers=globex).status_code == 200
    assert http.put("/admin/stores/s1", json={"name": "Shop"}, headers=acme).status_code == 200
    before = (engine.outbox_size(), engine.stats("acme"))
    writes = {
        "offer pool": ("PUT", "/admin/offers/o1", {**OFFER, "pool_id": "gpool"}),
        "offer store": ("PUT", "/admin/offers/o1", {**OFFER, "store_id": "gshop"}),
        "voucher campaign": ("POST", "/admin/vouchers", {**VOUCHER, "campaign_id": "gcamp"}),
        "voucher offer": ("POST", "/admin/vouchers", {**VOUCHER, "offer_id": "goffer"}),
        "voucher stores": ("POST", "/admin/vouchers", {**VOUCHER, "redeemable_at": ["s1", "gshop"]}),
    }
    answers = {}
    for what, (method, path, body) in writes.items():
        response = http.request(method, path, json=body, headers=acme)
        answers[what] = (response.status_code, response.json()["code"])
    assert answers == {
        "offer pool": (404, "pool_not_found"),
        "offer store": (404, "store_not_found"),
        "voucher campaign": (404, "campaign_not_found"),
        "voucher offer": (404, "offer_not_found"),
        "voucher stores": (404, "store_not_found"),
    }
    assert http.get("/admin/offers", headers=acme).json() == []
    assert (engine.outbox_size(), engine.stats("acme")) == before
