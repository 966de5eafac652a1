"""The Voucher Request API through the real app (provider mounted at "/"), on SQLite and
PostgreSQL: the seed's sample exchange, every error row of its table, campaign matching,
idempotent retries, and nothing written by a failed request."""

from __future__ import annotations

from datetime import timedelta

from promo_support import (
    PATH,
    SEED_BODY,
    SEED_COMMENTED_BODY,
    SEED_END,
    SEED_NOW,
    SEED_RESPONSE,
    add_campaign,
    bearer,
    body,
    issued_attributes,
    new_distributor,
    written,
)
from sqlalchemy import update

from dbsupport import database_of
from voucher_engine.identity import Identity
from voucher_engine.storage.tables import campaigns
from voucher_engine_litestar import create_app


def test_the_seed_sample_request_gets_the_seed_sample_response(client, token, promo_engine):
    response = client.post(PATH, content=SEED_BODY, headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == SEED_RESPONSE
    assert all(isinstance(value, str) for value in response.json().values())
    [issue] = issued_attributes(promo_engine, "acme")
    assert issue["attributes"] == {
        "distributor": "DIST-001",
        "terminal": "AT-998877",
        "category": "PAY",
        "product": "PaysafeCard",
    }
    assert issue["issued_at"] == SEED_NOW


BAD_BODIES = {
    "truncated JSON": b'{"distributor_id": "DIST-001", "terminal_id": "AT-9',
    "the seed's commented example": SEED_COMMENTED_BODY,
    "empty body": b"",
    "a JSON array": b"[]",
    "a JSON string": b'"DIST-001"',
    "distributor_id missing": body(distributor_id=None),
    "terminal_id missing": body(terminal_id=None),
    "trigger_category_id missing": body(trigger_category_id=None),
    "a number for terminal_id": body(terminal_id=998877),
    "null for trigger_category_id": b'{"distributor_id":"DIST-001","terminal_id":"T","trigger_category_id":null}',
    "an empty terminal_id": body(terminal_id=""),
    "a number for trigger_product_id": body(trigger_product_id=7),
    "a terminal_id over 255 characters": body(terminal_id="T" * 256),
}


def test_400_invalid_request_writes_nothing(client, token, promo_engine):
    # One app for every case: each builds on a fresh-enough state, as nothing is written.
    before = written(promo_engine)
    for name, raw in BAD_BODIES.items():
        response = client.post(PATH, content=raw, headers=bearer(token))
        assert (response.status_code, response.json()) == (400, {"message": "invalid request"}), name
    assert written(promo_engine) == before


def _unauthorized_cases(engine, token):
    other = new_distributor(engine, "acme", "DIST-002")
    old = new_distributor(engine, "acme", "DIST-003")
    Identity(engine).distributors.rotate_distributor_token("acme", "DIST-003")
    return {
        "no Authorization header": ({"Content-Type": "application/json"}, SEED_BODY),
        "Basic instead of Bearer": ({**bearer(token), "Authorization": f"Basic {token}"}, SEED_BODY),
        "an empty bearer token": ({**bearer(token), "Authorization": "Bearer "}, SEED_BODY),
        "an unknown token": (bearer("dt_" + "A" * 43), SEED_BODY),
        "a token of another distributor": (bearer(other), SEED_BODY),
        "a replaced token": (bearer(old), body(distributor_id="DIST-003")),
        # A small body is read before the token is checked, but refused only after it.
        "an unknown token with a malformed body": (bearer("dt_" + "A" * 43), SEED_COMMENTED_BODY),
        "an unknown token with a body over the limit": (bearer("dt_" + "A" * 43), body(terminal_id="T" * 9000)),
        "an unknown token with a text body": (
            {**bearer("dt_" + "A" * 43), "Content-Type": "text/plain"},
            SEED_BODY,
        ),
    }


def test_401_unauthorized_writes_nothing(client, token, promo_engine):
    cases = _unauthorized_cases(promo_engine, token)
    before = written(promo_engine)
    for name, (headers, raw) in cases.items():
        response = client.post(PATH, content=raw, headers=headers)
        assert (response.status_code, response.json()) == (401, {"message": "unauthorized"}), name
    assert written(promo_engine) == before


def test_405_for_every_other_method(client, token, promo_engine):
    before = written(promo_engine)
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = client.request(method, PATH, content=SEED_BODY, headers=bearer(token))
        assert (response.status_code, response.json()) == (405, {"message": "method not allowed"}), method
        assert "POST" in response.headers["allow"]
    assert written(promo_engine) == before


def test_409_when_nothing_matches_the_trigger(client, token, promo_engine, promo_clock):
    new_distributor(promo_engine, "acme", "DIST-009")  # registered, but on no campaign's whitelist
    before = written(promo_engine)
    unavailable = (409, {"message": "voucher unavailable"})
    response = client.post(PATH, content=body(trigger_category_id="GAM"), headers=bearer(token))
    assert (response.status_code, response.json()) == unavailable
    not_listed = Identity(promo_engine).distributors.rotate_distributor_token("acme", "DIST-009")
    response = client.post(PATH, content=body(distributor_id="DIST-009"), headers=bearer(not_listed))
    assert (response.status_code, response.json()) == unavailable
    promo_clock.set(SEED_END)  # the campaign's end is exclusive
    response = client.post(PATH, content=SEED_BODY, headers=bearer(token))
    assert (response.status_code, response.json()) == unavailable
    assert written(promo_engine) == before


def test_409_when_the_pool_is_empty_then_codes_added_answer_again(client, token, promo_engine):
    codes = [client.post(PATH, content=SEED_BODY, headers=bearer(token)).json()["voucher_code"] for _ in range(2)]
    assert codes == ["BET-ABC-123456", "BET-DEF-234567"]
    before = written(promo_engine)
    response = client.post(PATH, content=SEED_BODY, headers=bearer(token))
    assert (response.status_code, response.json()) == (409, {"message": "voucher unavailable"})
    assert written(promo_engine) == before
    promo_engine.add_codes("acme", "betathome", ["BET-GHI-345678"])
    assert client.post(PATH, content=SEED_BODY, headers=bearer(token)).json()["voucher_code"] == "BET-GHI-345678"


def test_500_for_a_real_failure_says_nothing_internal(client, token, promo_engine):
    # A campaign row damaged behind the engine's back: the engine cannot read it.
    with database_of(promo_engine).write() as link:
        link.sql.execute(update(campaigns).values(trigger_categories=17))
    before = written(promo_engine)
    response = client.post(PATH, content=SEED_BODY, headers=bearer(token))
    assert (response.status_code, response.json()) == (500, {"message": "internal server error"})
    assert written(promo_engine) == before


def test_a_depleted_campaign_passes_the_trigger_to_the_next(client, token, promo_engine):
    add_campaign(promo_engine, "acme", "CAMP-FIRST", ["FIRST-1"], priority=10)
    add_campaign(promo_engine, "acme", "CAMP-SOON", ["SOON-1"], priority=5, ends_at=SEED_END - timedelta(days=30))
    add_campaign(promo_engine, "acme", "CAMP-NEVER-ENDS", ["NEVER-1"], priority=5, ends_at=None)
    answers = [client.post(PATH, content=SEED_BODY, headers=bearer(token)).json() for _ in range(6)]
    # Priority first, then the earliest end (a campaign that never ends comes last among equals).
    assert [(a.get("campaign_id"), a.get("voucher_code")) for a in answers] == [
        ("CAMP-FIRST", "FIRST-1"),
        ("CAMP-SOON", "SOON-1"),
        ("CAMP-NEVER-ENDS", "NEVER-1"),
        ("CAMP-BETATHOME-001", "BET-ABC-123456"),
        ("CAMP-BETATHOME-001", "BET-DEF-234567"),
        (None, None),
    ]
    assert answers[1]["expiry_date"] == "2026-03-01T23:59:59Z"
    assert answers[2]["expiry_date"] == ""  # a campaign that never ends
    assert answers[5] == {"message": "voucher unavailable"}


def test_an_idempotency_key_makes_a_retry_return_the_same_code(client, token, promo_engine, promo_clock):
    headers = {**bearer(token), "Idempotency-Key": "receipt-4711"}
    first = client.post(PATH, content=SEED_BODY, headers=headers)
    promo_clock.advance(timedelta(seconds=40))
    retry = client.post(PATH, content=SEED_BODY, headers=headers)
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() == SEED_RESPONSE  # issued_at too: it is one issuance
    assert len(issued_attributes(promo_engine, "acme")) == 1
    fresh = client.post(PATH, content=SEED_BODY, headers={**bearer(token), "Idempotency-Key": "receipt-4712"})
    assert fresh.json()["voucher_code"] == "BET-DEF-234567"


def test_idempotency_keys_are_per_distributor(client, token, promo_engine):
    add_campaign(promo_engine, "acme", "CAMP-TWO", ["TWO-1"], distributors=["DIST-002"])
    other = new_distributor(promo_engine, "acme", "DIST-002")
    mine = client.post(PATH, content=SEED_BODY, headers={**bearer(token), "Idempotency-Key": "k-1"})
    theirs = client.post(
        PATH, content=body(distributor_id="DIST-002"), headers={**bearer(other), "Idempotency-Key": "k-1"}
    )
    assert mine.json()["voucher_code"] == "BET-ABC-123456"
    assert theirs.json()["voucher_code"] == "TWO-1"


def test_an_idempotency_key_reused_for_another_request_is_refused(client, token, promo_engine):
    headers = {**bearer(token), "Idempotency-Key": "receipt-1"}
    assert client.post(PATH, content=SEED_BODY, headers=headers).status_code == 200
    before = written(promo_engine)
    response = client.post(PATH, content=body(terminal_id="AT-000001"), headers=headers)
    assert (response.status_code, response.json()) == (400, {"message": "invalid request"})
    assert written(promo_engine) == before


def test_optional_and_unknown_fields(client, token, promo_engine):
    without_product = client.post(PATH, content=body(trigger_product_id=None), headers=bearer(token))
    # Fields the seed does not list are ignored: terminals are updated one by one, and a
    # drop-in host must not refuse what the original accepted.
    with_extra = client.post(PATH, content=body(basket_total="9.99"), headers=bearer(token))
    assert without_product.status_code == with_extra.status_code == 200
    first, second = issued_attributes(promo_engine, "acme")
    assert first["attributes"] == {"distributor": "DIST-001", "terminal": "AT-998877", "category": "PAY"}
    assert "basket_total" not in second["attributes"]


def test_a_token_reaches_only_its_own_tenants_campaigns(client, token, promo_engine):
    promo_engine.create_tenant("globex")
    add_campaign(promo_engine, "globex", "CAMP-GLOBEX", ["GLOBEX-1"], priority=100)
    globex = new_distributor(promo_engine, "globex", "DIST-001")  # the same distributor id, elsewhere
    assert client.post(PATH, content=SEED_BODY, headers=bearer(token)).json()["campaign_id"] == "CAMP-BETATHOME-001"
    assert client.post(PATH, content=SEED_BODY, headers=bearer(globex)).json()["campaign_id"] == "CAMP-GLOBEX"


def test_the_default_mount_and_openapi(promo_engine, token):
    from litestar.testing import TestClient

    with TestClient(create_app(promo_engine)) as default:
        response = default.post("/promo" + PATH, content=SEED_BODY, headers=bearer(token))
        assert response.json() == SEED_RESPONSE
        doc = default.get("/providers/promo/openapi.json").json()
    operation = doc["paths"]["/promo" + PATH]["post"]
    assert operation["operationId"] == "promo.requestVoucher"
    assert doc["components"]["securitySchemes"]["promo-bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The distributor's bearer token; each token is tied to one distributor_id.",
    }
