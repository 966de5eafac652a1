"""JTL's wire rules without a server: amounts, field checks, times, and the error envelope.

Each bad amount the issue lists is refused with its field and rule, never read as 10.53."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import msgspec
import pytest

from voucher_engine_jtl.amounts import amount_problem, rate_shown, shown
from voucher_engine_jtl.codes import answer
from voucher_engine_jtl.validation import Problem, check_charge, check_refund, check_reservation
from voucher_engine_jtl.wire import ChargeIn, RefundIn, ReservationIn, ReservationOut, rfc3339


def decoded(raw: bytes, kind: type = ReservationIn):
    return msgspec.json.decode(raw, type=kind)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (b'"10.5"', "pattern"),
        (b'"10,53"', "pattern"),
        (b"10.53", "type"),
        (b"1053", "type"),
        (b'"100000.00"', "pattern"),
        (b'"10.53\\n"', "pattern"),
        (b'"\\u0661\\u0660.\\u0665\\u0663"', "pattern"),  # Arabic-Indic digits: \d would take them
        (b'"1.5"', "min_length"),
        (b'"0000001.00"', "max_length"),
        (b'"-1.00"', "pattern"),
        (b'" 10.53"', "pattern"),
        (b'"1e3.00"', "pattern"),
        (b"true", "type"),
        (b"null", "type"),
    ],
)
def test_every_bad_amount_names_the_field_and_its_rule(raw, rule):
    body = decoded(b'{"amount": ' + raw + b', "currency": "EUR", "code": "test"}')
    parsed, problems = check_reservation(body)
    assert parsed is None
    assert [(p.property, p.rule) for p in problems] == [("amount", rule)]
    assert amount_problem(msgspec.json.decode(raw))[0] == rule


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10.53", Decimal("10.53")),
        ("0.01", Decimal("0.01")),
        ("99999.99", Decimal("99999.99")),
        ("00000.10", Decimal("0.10")),
    ],
)
def test_good_amounts_are_read_exactly(text, value):
    parsed, problems = check_reservation(decoded(b'{"amount": "%s", "currency": "EUR", "code": "c"}' % text.encode()))
    assert problems == []
    assert parsed.amount == value


def test_zero_is_below_the_minimum():
    _, problems = check_refund(decoded(b'{"amount": "0.00", "currency": "EUR"}', RefundIn))
    assert problems == [Problem("amount", "minimum", "amount must be at least 0.01")]


def test_every_failing_field_is_listed_not_only_the_first():
    body = decoded(b'{"amount": 10.53, "currency": "eur", "code": "", "pin": 1234}')
    _, problems = check_reservation(body)
    assert [(p.property, p.rule) for p in problems] == [
        ("amount", "type"),
        ("currency", "pattern"),
        ("code", "min_length"),
        ("pin", "type"),
    ]


def test_missing_fields_are_required_and_unknown_fields_are_ignored():
    _, problems = check_reservation(decoded(b'{"pin": "1", "note": "ignored"}'))
    assert [(p.property, p.rule) for p in problems] == [
        ("amount", "required"),
        ("currency", "required"),
        ("code", "required"),
    ]
    order, problems = check_charge(decoded(b"{}", ChargeIn))
    assert order is None and [(p.property, p.rule) for p in problems] == [("order_number", "required")]


def test_pin_is_optional_and_null_means_absent():
    for raw in (
        b'{"amount": "1.00", "currency": "EUR", "code": "c"}',
        b'{"amount": "1.00", "currency": "EUR", "code": "c", "pin": null}',
    ):
        parsed, problems = check_reservation(decoded(raw))
        assert problems == [] and parsed.pin is None


def test_long_texts_are_refused():
    _, problems = check_reservation(decoded(b'{"amount": "1.00", "currency": "EURO", "code": "%s"}' % (b"x" * 256)))
    assert [(p.property, p.rule) for p in problems] == [("currency", "length"), ("code", "max_length")]


def test_times_are_rfc3339_utc_with_the_offset_spelt_out():
    vienna = timezone(timedelta(hours=2))
    assert rfc3339(datetime(2017, 7, 21, 19, 32, 28, 999_999, tzinfo=vienna)) == "2017-07-21T17:32:28+00:00"
    assert rfc3339(datetime(2017, 7, 21, 17, 32, 28, tzinfo=UTC)) == "2017-07-21T17:32:28+00:00"


def test_amounts_and_rates_are_shown_with_two_decimals():
    assert shown(1053, "EUR") == "10.53"
    assert shown(5, "EUR") == "0.05"
    assert shown(1000, "JPY") == "1000.00"
    assert shown(10530, "BHD") == "10.53"
    assert shown(10535, "BHD") == "10.535"  # never rounded
    assert rate_shown(Decimal("19")) == "19.00"
    assert rate_shown(Decimal("7.5")) == "7.50"
    assert rate_shown(Decimal("7.125")) == "7.125"
    assert rate_shown(None) is None


def test_the_response_type_has_the_seeds_fields_in_its_order():
    assert ReservationOut.__struct_fields__ == (
        "id",
        "voucher_id",
        "voucher_taxable",
        "voucher_tax_rate",
        "client_id",
        "amount",
        "valid_until",
        "created_at",
        "updated_at",
    )


# --- the error envelope -----------------------------------------------------------------------


def test_a_validation_failure_lists_each_field():
    status, body, headers = answer(
        "invalid",
        "invalid",
        "the request is invalid",
        [
            ("amount", "pattern", "amount must be ..."),
            ("currency", "required", "currency is required"),
        ],
    )
    assert status == 422 and headers == {}
    assert body == {
        "status": 422,
        "code": "REQUEST.VALIDATION_FAILED",
        "message": "The request is invalid.",
        "errors": [
            {"code": "FIELD.PATTERN", "property": "amount", "rule": "pattern", "message": "amount must be ..."},
            {"code": "FIELD.REQUIRED", "property": "currency", "rule": "required", "message": "currency is required"},
        ],
    }


def test_a_decoder_failure_about_the_whole_body_names_the_body():
    status, body, _ = answer("invalid", None, "Expected `object`, got `array`", [("$", "type", "Expected `object`")])
    assert status == 422 and body["errors"][0]["property"] == "body"


def test_an_unknown_code_and_a_wrong_pin_read_exactly_alike():
    unknown = answer("not_found", "voucher_not_found", "no voucher 'x'")
    wrong_pin = answer("rejected", "invalid_pin", "wrong or missing PIN")
    assert unknown == wrong_pin
    assert unknown[:2] == (
        404,
        {"status": 404, "code": "VOUCHER.NOT_FOUND", "message": "No voucher matches this code and PIN."},
    )


def test_a_currency_mismatch_names_the_currency_field():
    status, body, _ = answer("invalid", "currency_mismatch", "USD does not match EUR")
    assert status == 422 and body["code"] == "VOUCHER.CURRENCY_MISMATCH"
    assert body["errors"] == [
        {
            "code": "VOUCHER.CURRENCY_MISMATCH",
            "property": "currency",
            "rule": "voucher_currency",
            "message": "USD does not match EUR",
        }
    ]


def test_a_refund_over_the_rest_names_the_amount():
    status, body, _ = answer(
        "invalid",
        "refund_exceeds_charge",
        "too much",
        [("amount", "maximum", "amount is more than the charge has left (at most 2.00)")],
    )
    assert (status, body["code"], body["errors"][0]["code"]) == (
        422,
        "CHARGE.REFUND_EXCEEDS_REMAINING",
        "FIELD.TOO_LARGE",
    )


@pytest.mark.parametrize(
    ("kind", "code", "status", "jtl"),
    [
        ("malformed", None, 400, "REQUEST.MALFORMED"),
        ("unauthorized", "unauthorized", 401, "AUTH.UNAUTHORIZED"),
        ("forbidden", "forbidden", 403, "AUTH.FORBIDDEN"),
        ("not_found", None, 404, "RESOURCE.NOT_FOUND"),
        ("not_found", "hold_not_found", 404, "RESERVATION.NOT_FOUND"),
        ("not_found", "charge_not_found", 404, "CHARGE.NOT_FOUND"),
        ("method_not_allowed", None, 405, "REQUEST.METHOD_NOT_ALLOWED"),
        ("rejected", "hold_expired", 409, "RESERVATION.EXPIRED"),
        ("rejected", "hold_not_pending", 409, "RESERVATION.NOT_PENDING"),
        ("rejected", "insufficient_funds", 409, "VOUCHER.INSUFFICIENT_BALANCE"),
        ("rejected", "voucher_expired", 409, "VOUCHER.EXPIRED"),
        ("rejected", "some_future_rule", 409, "REQUEST.REFUSED"),
        ("too_large", None, 413, "REQUEST.TOO_LARGE"),
        ("rate_limited", None, 429, "REQUEST.RATE_LIMITED"),
        ("unavailable", "storage_error", 503, "SERVICE.UNAVAILABLE"),
        ("internal", None, 500, "SERVER.ERROR"),
    ],
)
def test_every_kind_has_its_status_and_dotted_code(kind, code, status, jtl):
    got_status, body, _ = answer(kind, code, "internal detail")
    assert (got_status, body["status"], body["code"]) == (status, status, jtl)
    assert "errors" not in body
    assert "internal detail" not in body["message"]


def test_auth_failures_say_how_to_authenticate():
    assert answer("unauthorized", "unauthorized")[2] == {"WWW-Authenticate": 'Bearer realm="jtl"'}
    assert answer("forbidden", "forbidden", scope="use")[2] == {
        "WWW-Authenticate": 'Bearer realm="jtl", error="insufficient_scope", scope="use"'
    }


def test_retryable_failures_say_when():
    assert answer("conflict", "conflict", retry_after=1)[2] == {"Retry-After": "1"}
    assert answer("unavailable", None)[2] == {"Retry-After": "1"}
