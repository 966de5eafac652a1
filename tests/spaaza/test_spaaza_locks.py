"""Locks: a voucher locked by claim-vouchers or lock-voucher is redeemable only with its basket
or locking code until the lock ends on the injected clock; then another code may lock it; an
administrative unlock-voucher (PUT or POST, urlencoded or multipart) clears lock and binding."""

from __future__ import annotations

from datetime import timedelta

import pytest
from spaaza_support import (
    SEED_BODY,
    SEED_KEY,
    TENANT,
    assert_error,
    claim_body,
    issue,
    privileged_headers,
    privileged_token,
    snapshot,
    staff_headers,
)

from voucher_engine import Money
from voucher_engine.plugin import errors

BASKET = "20240462148435877"  # the seed's retailer_basket_code
ONE_EURO = Money(100, "EUR")


def redeem(engine, voucher, locking_code=None):
    return engine.redeem(TENANT, voucher_id=voucher.id, amount=ONE_EURO, locking_code=locking_code)


def test_a_claimed_lock_binds_redemption_to_its_basket_until_it_ends(client, spaaza_engine, spaaza_clock, seed_voucher):
    headers = staff_headers(client, spaaza_engine)
    claimed = client.post("/claim-vouchers", content=SEED_BODY, headers={**headers, "Content-Type": "application/json"})
    assert claimed.status_code == 200, claimed.text

    for wrong in (None, "another-basket"):
        with pytest.raises(errors.VoucherLocked):
            redeem(spaaza_engine, seed_voucher, wrong)
    assert redeem(spaaza_engine, seed_voucher, BASKET) is not None  # the basket's own code
    assert spaaza_engine.get_voucher(TENANT, voucher_id=seed_voucher.id).available == 1900

    # Another code cannot take the lock while it lasts ...
    spaaza_clock.advance(timedelta(seconds=3599))
    busy = client.put("/lock-voucher", data={"voucher_key": SEED_KEY, "voucher_locking_code": "POS-2"}, headers=headers)
    assert_error(busy, 409, "voucher_locked")
    with pytest.raises(errors.VoucherLocked):
        redeem(spaaza_engine, seed_voucher, "POS-2")

    # ... and may once it has ended.
    spaaza_clock.advance(timedelta(seconds=1))
    relocked = client.put(
        "/lock-voucher",
        data={"voucher_key": SEED_KEY, "voucher_locking_code": "POS-2", "voucher_lock_period": "120"},
        headers=headers,
    )
    assert relocked.status_code == 200, relocked.text
    results = relocked.json()["results"]
    assert results["result_type"] == "lock-voucher"
    assert results["voucher_locked"] is True
    assert results["voucher_locking_code"] == "POS-2"
    assert results["voucher_retailer_basket_code_exclusive"] is None
    assert results["voucher_locked_until"] == (spaaza_clock.now() + timedelta(seconds=120)).strftime(
        "%Y-%m-%dT%H:%M:%S+00:00"
    )
    with pytest.raises(errors.VoucherLocked):
        redeem(spaaza_engine, seed_voucher, BASKET)  # the old basket lost its binding
    redeem(spaaza_engine, seed_voucher, "POS-2")

    spaaza_clock.advance(timedelta(seconds=120))
    redeem(spaaza_engine, seed_voucher)  # the lock ended: anyone may redeem
    assert spaaza_engine.get_voucher(TENANT, voucher_id=seed_voucher.id).available == 1700


@pytest.mark.parametrize("how", ["PUT form", "POST form", "PUT multipart", "POST multipart"])
def test_admin_unlock_clears_the_lock_and_its_binding(client, spaaza_engine, seed_voucher, how):
    headers = staff_headers(client, spaaza_engine)
    locked = client.put(
        "/lock-voucher",
        data={"voucher_key": SEED_KEY, "retailer_basket_code": BASKET, "voucher_lock_period": "3600"},
        headers=headers,
    )
    assert locked.status_code == 200, locked.text
    assert locked.json()["results"]["voucher_retailer_basket_code_exclusive"] == BASKET

    method, encoding = how.split()
    send = client.put if method == "PUT" else client.post
    fields = {"voucher_key": SEED_KEY}
    if encoding == "form":
        answer = send("/unlock-voucher", data=fields, headers=headers)
    else:
        answer = send("/unlock-voucher", files={name: (None, value) for name, value in fields.items()}, headers=headers)

    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert (results["result_type"], results["voucher_locked"], results["voucher_key"]) == (
        "unlock-voucher",
        False,
        SEED_KEY,
    )
    stored = spaaza_engine.get_voucher(TENANT, voucher_id=seed_voucher.id)
    assert (stored.locked_until, stored.lock_code_hash) == (None, None)
    redeem(spaaza_engine, seed_voucher)  # no code needed any more


def test_lock_voucher_multipart_by_voucher_id_with_privileged_authentication(client, spaaza_engine):
    voucher = issue(spaaza_engine)
    public_id = spaaza_engine.get_voucher(TENANT, voucher_id=voucher.id).public_id
    headers = privileged_headers(privileged_token(spaaza_engine))
    answer = client.put(
        "/lock-voucher",
        files={"voucher_id": (None, str(public_id)), "voucher_locking_code": (None, "L-9")},
        headers=headers,
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["voucher_id"] == public_id
    stored = spaaza_engine.get_voucher(TENANT, voucher_id=voucher.id)
    assert stored.locked_until == spaaza_engine.clock.now() + timedelta(seconds=300)


@pytest.mark.parametrize(
    ("fields", "status", "name"),
    [
        ({"voucher_key": SEED_KEY, "voucher_lock_period": "119"}, 400, "invalid_voucher_lock_period"),
        ({"voucher_key": SEED_KEY, "voucher_lock_period": "3601"}, 400, "invalid_voucher_lock_period"),
        ({"voucher_key": SEED_KEY, "voucher_lock_period": "five"}, 400, "invalid_parameter"),
        ({"voucher_key": SEED_KEY, "voucher_id": "x1"}, 400, "invalid_parameter"),
        ({"voucher_key": SEED_KEY, "colour": "red"}, 400, "invalid_parameter"),
        ({"voucher_key": "no-such-key"}, 404, "voucher_not_found"),
        ({}, 400, "invalid_parameter"),
        ({"voucher_key": SEED_KEY, "chain_id": "1800"}, 403, "permission_denied_or_non_existent"),
        ({"voucher_key": SEED_KEY, "voucher_locking_code": "A", "retailer_basket_code": "B"}, 400, "invalid_parameter"),
    ],
)
def test_lock_voucher_refusals_change_nothing(client, spaaza_engine, seed_voucher, fields, status, name):
    headers = staff_headers(client, spaaza_engine)
    before = snapshot(spaaza_engine, TENANT, [seed_voucher])
    assert_error(client.put("/lock-voucher", data=fields, headers=headers), status, name)
    assert snapshot(spaaza_engine, TENANT, [seed_voucher]) == before


def test_unlocking_an_unlocked_voucher_and_json_bodies_are_refused(client, spaaza_engine, seed_voucher):
    headers = staff_headers(client, spaaza_engine)
    assert_error(
        client.put("/unlock-voucher", data={"voucher_key": SEED_KEY}, headers=headers), 409, "voucher_not_locked"
    )
    # lock-voucher takes form or multipart bodies only, as Spaaza documents.
    answer = client.put("/lock-voucher", json={"voucher_key": SEED_KEY}, headers=headers)
    assert answer.status_code in (400, 415) and answer.json()["result"]["status"] == "error"
    assert_error(client.put("/lock-voucher", data={"voucher_key": SEED_KEY}), 401, "no_valid_session")
    assert snapshot(spaaza_engine, TENANT, [seed_voucher])[0][2] is None


def test_claim_then_lock_answers_the_claiming_user(client, spaaza_engine):
    voucher = issue(spaaza_engine)
    headers = staff_headers(client, spaaza_engine)
    assert (
        client.post("/claim-vouchers", json=claim_body({"voucher_key": voucher.code}), headers=headers).status_code
        == 200
    )
    answer = client.put("/lock-voucher", data={"voucher_key": voucher.code}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["user_entity_card"] == {"code": "20000000001", "type": "custom"}
