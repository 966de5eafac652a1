"""``POST /claim-vouchers`` through the ASGI app: the seed's request, Spaaza keys, and every
refusal the issue lists, each answered in Spaaza's envelope with nothing changed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from spaaza_support import (
    HOSTNAME,
    OTHER_CHAIN,
    OTHER_TENANT,
    SEED_BODY,
    SEED_KEY,
    SEED_NOW,
    SEED_VOUCHER,
    TENANT,
    USER_ID,
    assert_error,
    assert_seed_shape,
    claim_body,
    holder,
    issue,
    privileged_headers,
    privileged_token,
    snapshot,
    staff_headers,
)

from voucher_engine import State

HEX64 = re.compile(r"[0-9a-f]{64}\Z")


def post(client, body, headers, raw: bool = False):
    if raw:
        return client.post("/claim-vouchers", content=body, headers={**headers, "Content-Type": "application/json"})
    return client.post("/claim-vouchers", json=body, headers=headers)


def test_the_seed_request_claims_and_locks_its_voucher(client, spaaza_engine, seed_voucher):
    headers = staff_headers(client, spaaza_engine)
    answer = post(client, SEED_BODY, headers, raw=True)

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["result"] == {"code": 1, "status": "ok"}
    assert body["results"]["result_type"] == "claim-vouchers"
    [voucher] = body["results"]["vouchers"]  # one asked, one answered (the seed shows five)
    assert_seed_shape(voucher)
    assert voucher["voucher_key"] == SEED_KEY  # the key the voucher has, echoed
    assert voucher["voucher_id"] == spaaza_engine.get_voucher(TENANT, voucher_id=seed_voucher.id).public_id
    assert voucher["user_id"] == USER_ID  # the requested user (the seed answers user 4)
    assert voucher["voucher_status"] == "claimed"
    assert voucher["voucher_locked"] is True  # locking was asked (the seed says false)
    assert voucher["user_entity_card"] == {"code": "20000000001", "type": "custom"}
    assert voucher["creating_user"] == {"full_name": "Admin Spaaza", "user_id": 2}
    assert (voucher["campaign_id"], voucher["campaign_title"], voucher["campaign_type"]) == (
        1,
        "Loyalty campaign for FOO Chain, inc.",
        "loyalty",
    )
    assert (voucher["voucher_amount"], voucher["voucher_amount_original"], voucher["voucher_amount_redeemed"]) == (
        20,
        20,
        0,
    )
    assert (voucher["voucher_currency_code"], voucher["voucher_currency_id"], voucher["voucher_currency_symbol"]) == (
        "EUR",
        2,
        "\u20ac",
    )
    assert voucher["voucher_created_datetime"] == SEED_VOUCHER["voucher_created_datetime"]
    assert voucher["voucher_expiry_datetime_utc"] == SEED_VOUCHER["voucher_expiry_datetime_utc"]
    assert voucher["voucher_expiry_seconds_remaining"] == SEED_VOUCHER["voucher_expiry_seconds_remaining"]

    stored = spaaza_engine.get_voucher(TENANT, voucher_id=seed_voucher.id)
    assert stored.state is State.CLAIMED
    assert stored.holder == holder(spaaza_engine, USER_ID)
    assert stored.locked_until == SEED_NOW + timedelta(seconds=3600)


def test_keys_of_issued_vouchers_are_64_hex_and_any_identifier_finds_a_voucher(client, spaaza_engine, spaaza_clock):
    by_key, by_id, by_third = issue(spaaza_engine), issue(spaaza_engine), issue(spaaza_engine, third_party_id="ext-7")
    headers = staff_headers(client, spaaza_engine)
    public_id = spaaza_engine.get_voucher(TENANT, voucher_id=by_id.id).public_id
    answer = post(
        client,
        claim_body(
            {"voucher_key": by_key.code},
            {"voucher_id": public_id},
            {"voucher_third_party_id": "ext-7"},
            user={"username": "jane@example.com", "member_number": "M-1001"},
        ),
        headers,
    )

    assert answer.status_code == 200, answer.text
    vouchers = answer.json()["results"]["vouchers"]
    assert [v["voucher_key"] for v in vouchers] == [by_key.code, by_id.code, by_third.code]
    assert all(HEX64.match(v["voucher_key"]) for v in vouchers)
    assert vouchers[2]["voucher_third_party_id"] == "ext-7"
    assert [v["voucher_locked"] for v in vouchers] == [False] * 3  # no locking asked
    assert {v["user_id"] for v in vouchers} == {USER_ID}


def test_privileged_authentication_needs_its_hostname_header(client, spaaza_engine, seed_voucher):
    token = privileged_token(spaaza_engine)
    before = snapshot(spaaza_engine, TENANT, [seed_voucher])
    body = claim_body({"voucher_key": SEED_KEY})

    assert_error(post(client, body, privileged_headers(token, hostname=None)), 400, "no_myprice_app")
    assert_error(
        post(client, body, privileged_headers(token, hostname="other.test")), 403, "permission_denied_or_non_existent"
    )
    assert snapshot(spaaza_engine, TENANT, [seed_voucher]) == before

    answer = post(client, body, privileged_headers(token, hostname=HOSTNAME.upper()))
    assert answer.status_code == 200, answer.text
    assert spaaza_engine.get_voucher(TENANT, voucher_id=seed_voucher.id).holder == holder(spaaza_engine, USER_ID)


def test_no_or_dead_session_is_error_6(client, spaaza_engine, seed_voucher):
    headers = staff_headers(client, spaaza_engine)
    body = claim_body({"voucher_key": SEED_KEY})
    wrong_user = {**headers, "X-Spaaza-Session-User-Id": str(int(headers["X-Spaaza-Session-User-Id"]) + 1)}
    for sent in (
        {},
        {"X-Spaaza-Session-Key": "not-a-session", "X-Spaaza-Session-User-Id": "1"},
        {"X-Spaaza-Session-Key": headers["X-Spaaza-Session-Key"]},
        wrong_user,
        {"Authorization": "Bearer forged", "X-Spaaza-MyPrice-App-Hostname": HOSTNAME},
    ):
        assert_error(post(client, body, sent), 401, "no_valid_session")
    assert spaaza_engine.get_voucher(TENANT, voucher_id=seed_voucher.id).holder is None


@pytest.mark.parametrize(
    ("case", "status", "name"),
    [
        ("eleven vouchers", 400, "too_many_vouchers"),
        ("no vouchers", 400, "invalid_parameter"),
        ("unknown user", 404, "user_not_found"),
        ("identifiers disagree", 400, "user_identifiers_disagree"),
        ("no user identifier", 400, "invalid_parameter"),
        ("another chain's voucher", 404, "voucher_not_found"),
        ("another chain", 403, "permission_denied_or_non_existent"),
        ("period 119", 400, "invalid_voucher_lock_period"),
        ("period 3601", 400, "invalid_voucher_lock_period"),
        ("two locking codes", 400, "invalid_parameter"),
        ("voucher listed twice", 400, "invalid_parameter"),
        ("key and id of different vouchers", 400, "invalid_parameter"),
    ],
)
def test_refusals_answer_the_envelope_and_change_nothing(client, spaaza_engine, case, status, name):
    ours = [issue(spaaza_engine) for _ in range(11)]
    theirs = issue(spaaza_engine, OTHER_TENANT)
    keys = [{"voucher_key": v.code} for v in ours]
    headers = staff_headers(client, spaaza_engine)
    body = {
        "eleven vouchers": claim_body(*keys),
        "no vouchers": claim_body(),
        "unknown user": claim_body(*keys[:2], user={"user_id": 999}),
        "identifiers disagree": claim_body(*keys[:2], user={"user_id": USER_ID, "member_number": "M-1002"}),
        "no user identifier": claim_body(*keys[:2], user={}),
        # the first voucher is ours and could be claimed: all or nothing keeps it unclaimed
        "another chain's voucher": claim_body(keys[0], {"voucher_key": theirs.code}),
        "another chain": claim_body(*keys[:2], chain=OTHER_CHAIN),
        "period 119": claim_body(*keys[:2], locking={"voucher_locking_code": "L1", "voucher_lock_period": 119}),
        "period 3601": claim_body(*keys[:2], locking={"voucher_locking_code": "L1", "voucher_lock_period": 3601}),
        "two locking codes": claim_body(
            *keys[:2], locking={"voucher_locking_code": "L1", "retailer_basket_code": "B1"}
        ),
        "voucher listed twice": claim_body(keys[0], keys[0]),
        "key and id of different vouchers": claim_body(
            {
                "voucher_key": ours[0].code,
                "voucher_id": spaaza_engine.get_voucher(TENANT, voucher_id=ours[1].id).public_id,
            }
        ),
    }[case]
    before = snapshot(spaaza_engine, TENANT, ours), snapshot(spaaza_engine, OTHER_TENANT, [theirs])

    assert_error(post(client, body, headers), status, name)
    assert (snapshot(spaaza_engine, TENANT, ours), snapshot(spaaza_engine, OTHER_TENANT, [theirs])) == before


def test_ten_vouchers_are_claimed_and_locked_together(client, spaaza_engine):
    ours = [issue(spaaza_engine) for _ in range(10)]
    answer = post(
        client,
        claim_body(*({"voucher_key": v.code} for v in ours), locking={"voucher_locking_code": "LOCK-1"}),
        staff_headers(client, spaaza_engine),
    )

    assert answer.status_code == 200, answer.text
    assert len(answer.json()["results"]["vouchers"]) == 10
    now = spaaza_engine.clock.now()
    for voucher in ours:
        stored = spaaza_engine.get_voucher(TENANT, voucher_id=voucher.id)
        assert stored.holder == holder(spaaza_engine, USER_ID)
        assert stored.locked_until == now + timedelta(seconds=300)  # Spaaza's default period


def test_a_voucher_claimed_by_another_user_refuses_the_whole_request(client, spaaza_engine):
    free, taken = issue(spaaza_engine), issue(spaaza_engine)
    headers = staff_headers(client, spaaza_engine)
    assert (
        post(client, claim_body({"voucher_key": taken.code}, user={"user_id": USER_ID + 1}), headers).status_code == 200
    )
    before = snapshot(spaaza_engine, TENANT, [free, taken])

    error = assert_error(
        post(client, claim_body({"voucher_key": free.code}, {"voucher_key": taken.code}), headers),
        409,
        "voucher_claimed_by_another_user",
    )
    assert taken.code in error["description"]  # which voucher failed
    assert snapshot(spaaza_engine, TENANT, [free, taken]) == before

    again = post(client, claim_body({"voucher_key": taken.code}, user={"user_id": USER_ID + 1}), headers)
    assert again.status_code == 200  # claiming again for the same user answers the voucher


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (b'{"user": {"user_id": 4232324}, "entity": {"chain_id": 1799}, "vouchers": [', "malformed_request"),
        (b"not json at all", "malformed_request"),
        (b"", "malformed_request"),
        (
            b'{"user": {"user_id": "jane"}, "entity": {"chain_id": 1799}, "vouchers": [{"voucher_id": 1}]}',
            "invalid_parameter",
        ),
        (
            b'{"user": {"user_id": 4232324}, "entity": {"chain_id": "FOO"}, "vouchers": [{"voucher_id": 1}]}',
            "invalid_parameter",
        ),
        (
            b'{"user": {"user_id": 4232324}, "entity": {"chain_id": 1799}, "vouchers": [{"voucher_id": -1}]}',
            "invalid_parameter",
        ),
        (
            b'{"user": {"user_id": 4232324}, "entity": {"chain_id": 1799}, "vouchers": [{"voucher_key": 7}]}',
            "invalid_parameter",
        ),
        (
            b'{"user": {"user_id": 4232324}, "entity": {"chain_id": 1799}, "vouchers": [{"voucher_id": 1.5}]}',
            "invalid_parameter",
        ),
        (
            b'{"user": {"user_id": 4232324}, "entity": {"chain_id": 1799}, "vouchers": [{"voucher_id": true}]}',
            "invalid_parameter",
        ),
        (
            b'{"user": {"user_id": 4232324}, "entity": {"chain_id": 1799}, "vouchers": {"voucher_id": 1}}',
            "invalid_parameter",
        ),
        (
            b'{"user": {"user_id": 4232324}, "entity": {"chain_id": 1799}, "vouchers": [{"voucher_id": 1}], "x": 1}',
            "invalid_parameter",
        ),
        (
            b'{"user": {"user_id": 4232324, "nickname": "j"}, "entity": {"chain_id": 1799}, "vouchers": [{"voucher_id": 1}]}',
            "invalid_parameter",
        ),
        (
            b'{"user": {"user_id": 4232324}, "entity": {"chain_id": 1799}, "vouchers": [{"voucher_code": "x"}]}',
            "invalid_parameter",
        ),
        (
            b'{"user": {"user_id": 4232324}, "entity": {"chain_id": 1799}, "vouchers": [{"voucher_id": 1}], '
            b'"locking": {"voucher_lock_period": "five"}}',
            "invalid_parameter",
        ),
        (b'{"entity": {"chain_id": 1799}, "vouchers": [{"voucher_id": 1}]}', "invalid_parameter"),
        (b"[1, 2, 3]", "invalid_parameter"),
    ],
)
def test_bad_input_answers_the_envelope_never_a_500(client, spaaza_engine, seed_voucher, raw, name):
    headers = staff_headers(client, spaaza_engine)
    before = snapshot(spaaza_engine, TENANT, [seed_voucher])
    error = assert_error(post(client, raw, headers, raw=True), 400, name)
    if name == "invalid_parameter":
        assert "password" not in error["description"]
    assert snapshot(spaaza_engine, TENANT, [seed_voucher]) == before


def test_unknown_route_and_method_answer_the_envelope(client, spaaza_engine):
    assert_error(client.get("/claim-vouchers"), 405, "method_not_allowed")
    assert_error(client.get("/no-such-call"), 404, "not_found")
