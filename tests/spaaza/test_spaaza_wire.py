"""The provider's pure parts: decoding (the seed's body, strict types, unknown fields), the
error envelope and its stable names, and the value helpers of the voucher view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest
from spaaza_support import SEED_BODY, SEED_KEY

from voucher_engine.plugin import Failure, FailureKind, FieldError, errors
from voucher_engine_spaaza import errors as spaaza_errors
from voucher_engine_spaaza.currencies import currency_id, currency_symbol
from voucher_engine_spaaza.refs import lock_period, locking_code
from voucher_engine_spaaza.settings import SpaazaSettings
from voucher_engine_spaaza.users import identifiers_of, member_id_of
from voucher_engine_spaaza.views import number, seconds_until, utc_text
from voucher_engine_spaaza.wire import ClaimVouchersRequest, LockForm, UserRef

#: As the adapter decodes JSON bodies: laxly (a string of digits fills an integer field).
decode = msgspec.json.Decoder(ClaimVouchersRequest, strict=False).decode


def test_the_seed_body_decodes_as_sent():
    request = decode(SEED_BODY)
    assert request.entity.chain_id == 1799
    assert request.user.user_id == 4232324
    assert [v.voucher_key for v in request.vouchers] == [SEED_KEY]
    assert request.locking is not None
    assert (request.locking.retailer_basket_code, request.locking.voucher_lock_period) == ("20240462148435877", 3600)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"user": {"user_id": "jane"}, "entity": {"chain_id": 1799}, "vouchers": []}',
        b'{"user": {"user_id": 1}, "entity": {"chain_id": 1799.5}, "vouchers": []}',
        b'{"user": {"user_id": true}, "entity": {"chain_id": 1799}, "vouchers": []}',
        b'{"user": {"user_id": 0}, "entity": {"chain_id": 1799}, "vouchers": []}',
        b'{"user": {"user_id": 1}, "entity": {"chain_id": 1799}, "vouchers": [], "extra": 1}',
        b'{"user": {"user_id": 1}, "entity": {"chain_id": 1799, "name": "x"}, "vouchers": []}',
        b'{"user": {"user_id": 1}, "entity": {"chain_id": 1799}, "vouchers": [{"voucher_key": ""}]}',
        b'{"user": {"user_id": 1}, "entity": {"chain_id": 1799}, "vouchers": [],'
        b' "locking": {"voucher_lock_period": 300.5}}',
        b'{"user": {"user_id": 1}, "vouchers": []}',
    ],
)
def test_wrong_types_unknown_fields_and_missing_parts_are_refused(raw):
    with pytest.raises(msgspec.ValidationError):
        decode(raw)


def test_digits_in_a_string_fill_an_integer_as_the_adapter_decodes():
    request = decode(b'{"user": {"user_id": "4232324"}, "entity": {"chain_id": "1799"}, "vouchers": []}')
    assert (request.user.user_id, request.entity.chain_id) == (4232324, 1799)


def test_forms_carry_digits_as_strings():
    form = msgspec.convert({"voucher_id": "42", "voucher_lock_period": "300"}, LockForm, strict=False)
    assert (form.voucher_id, form.voucher_lock_period) == ("42", "300")
    for bad in ({"voucher_id": "4x"}, {"voucher_lock_period": "-1"}, {"colour": "red"}):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(bad, LockForm, strict=False)


@pytest.mark.parametrize(("seconds", "expected"), [(None, 300), (120, 120), (3600, 3600)])
def test_lock_periods_within_spaazas_bounds(seconds, expected):
    assert lock_period(seconds) == timedelta(seconds=expected)


@pytest.mark.parametrize("seconds", [0, 119, 3601, -5])
def test_lock_periods_outside_the_bounds_have_their_own_name(seconds):
    with pytest.raises(spaaza_errors.InvalidLockPeriod) as raised:
        lock_period(seconds)
    assert raised.value.code == "invalid_voucher_lock_period"


def test_one_locking_code_at_most():
    assert locking_code("B", None) == "B"
    assert locking_code(None, "L") == "L"
    assert locking_code(None, None) is None
    with pytest.raises(spaaza_errors.InvalidParameter):
        locking_code("B", "L")


def test_user_parameters_map_to_member_identifier_kinds():
    user = UserRef(
        user_id=7,
        username="u",
        member_number="m",
        authentication_point_identifier="a",
        auxiliary_identifier="x",
        referral_code="r",
    )
    assert identifiers_of(user) == {
        "username": "u",
        "member_number": "m",
        "authentication_point": "a",
        "auxiliary": "x",
        "referral_code": "r",
        "external:spaaza": "7",
    }
    assert member_id_of("member:4232324") == 4232324
    assert member_id_of("customer-1") is None and member_id_of(None) is None and member_id_of("member:1x") is None


def test_view_values_keep_the_seeds_json_types():
    assert number(Decimal("20.00")) == 20 and type(number(Decimal("20.00"))) is int
    assert number(Decimal("12.50")) == 12.5
    assert number(3) == 3
    created = datetime(2024, 4, 24, 15, 37, 6, tzinfo=UTC)
    assert utc_text(created) == "2024-04-24T15:37:06+00:00"
    assert utc_text(None) is None
    assert seconds_until(created + timedelta(days=90), created + timedelta(seconds=1)) == 7775999
    assert seconds_until(created, created + timedelta(days=1)) == 0
    assert currency_id("EUR", SpaazaSettings().currency_ids) == 2
    assert currency_id("USD", SpaazaSettings().currency_ids) == 840
    assert currency_symbol("EUR") == "\u20ac" and currency_symbol("XYZ") == "XYZ"


def test_chains_are_tenants():
    assert SpaazaSettings().tenant_of(1799) == "chain-1799"
    assert SpaazaSettings(chains={1799: "acme"}).tenant_of(1799) == "acme"
    with pytest.raises(errors.ValidationError):
        SpaazaSettings(chains={0: "acme"})


def rendered(failure: Failure) -> tuple[int, dict]:
    reply = spaaza_errors.render_error(failure)
    return reply.status, reply.body


@pytest.mark.parametrize(
    ("failure", "status", "number_", "name"),
    [
        (
            Failure(FailureKind.UNAUTHORIZED, "missing X-Spaaza-Session-Key header", errors.Unauthorized("x")),
            401,
            6,
            "no_valid_session",
        ),
        (Failure(FailureKind.MALFORMED, "bad JSON"), 400, 1000, "malformed_request"),
        (Failure(FailureKind.NOT_FOUND, "no route"), 404, 1014, "not_found"),
        (
            Failure(FailureKind.INTERNAL, "boom: table vouchers", errors.StorageError("table vouchers")),
            500,
            1019,
            "internal_error",
        ),
        (
            Failure(
                FailureKind.REJECTED,
                "held",
                type("HeldByAnother", (errors.Rejected,), {"code": "voucher_held_by_another"})("held"),
            ),
            409,
            1007,
            "voucher_claimed_by_another_user",
        ),
        (
            Failure(FailureKind.CONFLICT, "busy", errors.Conflict("busy"), retry_after=1),
            503,
            1018,
            "service_unavailable",
        ),
    ],
)
def test_every_failure_answers_spaazas_error_envelope(failure, status, number_, name):
    got_status, body = rendered(failure)
    assert got_status == status
    assert body["result"] == {"code": 2, "status": "error"}
    assert (body["error"]["code"], body["error"]["name"]) == (number_, name)
    assert "table" not in body["error"]["description"]  # nothing internal reaches a client


def test_our_errors_carry_their_own_description_and_field_errors_name_the_field():
    status, body = rendered(Failure(FailureKind.INVALID, "x", spaaza_errors.TooManyVouchers("vouchers: 11")))
    assert (status, body["error"]["name"], body["error"]["description"]) == (400, "too_many_vouchers", "vouchers: 11")
    status, body = rendered(
        Failure(
            FailureKind.INVALID,
            "Expected `int`, got `str` - at `$.entity.chain_id`",
            fields=(FieldError("entity.chain_id", "type", "Expected `int`, got `str`"),),
        )
    )
    assert (status, body["error"]["name"]) == (400, "invalid_parameter")
    assert "entity.chain_id" in body["error"]["description"]


def test_catalogue_numbers_and_names_are_unique():
    numbers = [number_ for number_, _, _ in spaaza_errors.CATALOGUE.values()]
    assert len(numbers) == len(set(numbers))
    for name in (*spaaza_errors.ENGINE_CODES.values(), *spaaza_errors.BY_KIND.values()):
        assert name in spaaza_errors.CATALOGUE


def test_the_engines_refusals_become_named_errors_that_say_which_voucher():
    held = type("HeldByAnother", (errors.Rejected,), {"code": "voucher_held_by_another"})("held by member:9")
    translated = spaaza_errors.refusal(held, "voucher_key 'abc'")
    assert isinstance(translated, spaaza_errors.VoucherClaimedByAnotherUser)
    assert translated.message.startswith("voucher_key 'abc'")
    assert isinstance(spaaza_errors.refusal(errors.VoucherNotFound("x"), "v"), spaaza_errors.VoucherNotFound)
    assert isinstance(spaaza_errors.refusal(errors.NotLocked("x"), "v"), spaaza_errors.VoucherNotLocked)
    conflict = errors.Conflict("lock timeout")
    assert spaaza_errors.refusal(conflict, "v") is conflict  # retryable: the adapter's 503 + Retry-After
    reused = errors.IdempotencyKeyReused("x")
    assert spaaza_errors.refusal(reused, "v") is reused
