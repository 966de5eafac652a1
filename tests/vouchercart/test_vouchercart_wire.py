"""The VoucherCart provider's pure parts, runnable without an engine: wire types (field names,
JSON types, unknown fields refused), the error table and envelope, the seed's date formats,
roles and permissions, and the voucher view."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from types import SimpleNamespace

import msgspec
import pytest
from vouchercart_support import NOW, ORDER, SEED_CREATE, WINDOW_FROM, WINDOW_TO

from voucher_engine import State, Voucher, VoucherKind, Window
from voucher_engine_vouchercart import codes, dates, permissions
from voucher_engine_vouchercart.views import voucher_out
from voucher_engine_vouchercart.wire import (
    AuthorizeOut,
    DomainOut,
    DomainsOut,
    ErrorOut,
    Permission,
    PermissionOut,
    ProfileOut,
    RedeemForm,
    RefreshForm,
    RefreshOut,
    UserCreate,
    UserOut,
    order_out,
)

# --- requests -------------------------------------------------------------------------------


def test_the_redeem_form_takes_the_seed_field_names():
    form = msgspec.convert(
        {"code": "AAAA-BBBB-CCCC-DDDD", "domain": "1", "reductor": "2", "redeemDate": "2015-12-05 13:37"}, RedeemForm
    )
    assert (form.code, form.domain, form.reductor, form.redeem_date) == (
        "AAAA-BBBB-CCCC-DDDD",
        "1",
        "2",
        "2015-12-05 13:37",
    )


@pytest.mark.parametrize("extra", [{"reductr": "2"}, {"redeem_date": "2015-12-05 13:37"}, {"Code": "X"}])
def test_unknown_form_fields_are_refused_a_typo_must_not_redeem_completely(extra):
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        msgspec.convert({"code": "C", "domain": "1", **extra}, RedeemForm)


def test_the_refresh_form_is_camel_case():
    form = msgspec.convert({"accessToken": "a.b.c", "refreshToken": "RTx"}, RefreshForm)
    assert (form.access_token, form.refresh_token) == ("a.b.c", "RTx")
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"access_token": "a.b.c"}, RefreshForm)


def test_the_seed_create_user_body_decodes():
    body = msgspec.json.decode(SEED_CREATE, type=UserCreate)
    assert body.full_name == "Test User" and body.phone == "+1 123 456 789"
    assert body.permissions == [Permission(1, 0, []), Permission(2, 0, [])]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"fullName": "T", "email": "t@example.com", "password": "sEcret9", "permissions": [], "admin": true}',
        b'{"fullName": "T", "email": "t@example.com", "password": "sEcret9", "permissions": [{"domainId": 1, "roleId": 0, "role": 1}]}',
        b'{"fullName": 5, "email": "t@example.com", "password": "sEcret9", "permissions": []}',
        b'{"fullName": "T", "email": "t@example.com", "password": "sEcret9", "permissions": [{"domainId": "1", "roleId": 0}]}',
        b'{"fullName": "T", "email": "t@example.com", "password": "sEcret9", "permissions": {"domainId": 1}}',
    ],
)
def test_users_bodies_are_strict_unknown_fields_and_wrong_types_refused(raw):
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(raw, type=UserCreate)


# --- responses: field names and JSON types of the seed's samples ----------------------------------------


def test_authorize_and_refresh_answers_have_the_seed_fields():
    out = msgspec.to_builtins(AuthorizeOut("eyJ.a.b", "jti-1", ProfileOut("a@example.com", "Demo", 1, "en"), "RTx"))
    assert out == {
        "accessToken": "eyJ.a.b",
        "identifiedBy": "jti-1",
        "profile": {"email": "a@example.com", "fullName": "Demo", "id": 1, "locale": "en"},
        "refreshToken": "RTx",
        "status": "authenticated",
    }
    refreshed = msgspec.to_builtins(RefreshOut("eyJ.c.d", "jti-2", "RTy"))
    assert refreshed == {
        "accessToken": "eyJ.c.d",
        "identifiedBy": "jti-2",
        "refreshToken": "RTy",
        "status": "refreshed",
    }


def test_domains_answer():
    out = msgspec.to_builtins(DomainsOut([DomainOut(8, "hello-world", "https://hello-world.vouchercart.com/")]))
    assert out == {
        "domains": [{"id": 8, "name": "hello-world", "url": "https://hello-world.vouchercart.com/"}],
        "status": "success",
    }


def test_user_object_never_has_a_password():
    out = msgspec.to_builtins(
        UserOut(
            9,
            "Test User",
            "t@example.com",
            "",
            "20/11/2018 06:22",
            [PermissionOut(1, 3, ["manage.orders", "redeem.voucher"])],
        )
    )
    assert set(out) == {"id", "fullName", "email", "phone", "createdAt", "permissions"}
    assert out["permissions"] == [
        {"domainId": 1, "roleId": 3, "customPermissions": ["manage.orders", "redeem.voucher"]}
    ]


def test_the_seed_order_object_round_trips_with_its_types():
    order = order_out(ORDER)
    assert msgspec.to_builtins(order) == ORDER
    assert order_out({"buyer": "not an object"}) is None
    assert order_out(None) is None


# --- the error table and envelope ------------------------------------------------------------------------


def test_the_envelope_is_the_seeds():
    body = codes.envelope(1000, "Incorrect request", {"email": ["We do not recognize given email address."]})
    assert body == {
        "code": 1000,
        "errors": {"email": ["We do not recognize given email address."]},
        "message": "Incorrect request",
        "status": "failed",
    }
    assert msgspec.convert(body, ErrorOut).code == 1000
    assert codes.envelope(1003, "Access denied for resource")["errors"] == {}


def test_every_seed_code_has_its_seed_status():
    expected = {
        1000: 422,
        1001: 401,
        1002: 405,
        1003: 403,
        1004: 404,
        1006: 401,
        1007: 401,
        1008: 401,
        1009: 401,
        1010: 404,
        1011: 422,
        1012: 422,
        1013: 422,
        1014: 422,
        1015: 422,
        1016: 422,
        1017: 422,
        1018: 422,
    }
    assert {code: status for code, (status, _) in codes.ERRORS.items()} == expected


@pytest.mark.parametrize(
    ("kind", "error_code", "answer"),
    [
        ("malformed", None, (422, 1000)),
        ("invalid", "invalid", (422, 1000)),
        ("invalid", "vouchercart_missing_parameter", (422, 1018)),
        ("invalid", "invalid_redemption_time", (422, 1012)),
        ("unauthorized", "unauthorized", (401, 1001)),
        ("unauthorized", "vouchercart_jwt_expired", (401, 1006)),
        ("unauthorized", "vouchercart_jwt_not_yet_valid", (401, 1007)),
        ("unauthorized", "vouchercart_jwt_malformed", (401, 1008)),
        ("unauthorized", "vouchercart_jwt_invalid", (401, 1009)),
        ("forbidden", "forbidden", (403, 1003)),
        ("not_found", "not_found", (404, 1004)),
        ("not_found", "voucher_not_found", (404, 1010)),
        ("method_not_allowed", None, (405, 1002)),
        ("rejected", "vouchercart_cancelled", (422, 1014)),
        ("rejected", "vouchercart_fully_redeemed", (422, 1013)),
        ("rejected", "nothing_to_redeem", (422, 1013)),
        ("rejected", "vouchercart_expired", (422, 1012)),
        ("rejected", "voucher_expired", (422, 1012)),
        ("rejected", "insufficient_funds", (422, 1011)),
        ("rejected", "not_redeemable_here", (404, 1010)),
        ("too_large", None, (422, 1000)),
        ("rate_limited", None, (429, 1003)),
        ("conflict", "conflict", (503, 1011)),
        ("internal", None, (500, 1000)),
    ],
)
def test_failures_get_the_seed_code_and_status(kind, error_code, answer):
    status, code, message = codes.answer(kind, error_code)
    assert (status, code) == answer
    assert message


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("expired", 1006),
        ("not_yet_valid", 1007),
        ("issued_in_future", 1007),
        ("malformed", 1008),
        ("DecodeError", 1008),
        ("InvalidSignatureError", 1009),
        ("unknown_kid", 1009),
        ("wrong_typ", 1009),
        ("revoked", 1009),
        (None, 1009),
    ],
)
def test_jwt_refusals_map_to_1006_to_1009(reason, code):
    assert codes.jwt_code(reason) == code


def test_field_errors_group_messages_by_field():
    assert codes.field_errors([("email", "a"), ("email", "b"), ("", "c")]) == {"email": ["a", "b"], "request": ["c"]}


# --- dates ------------------------------------------------------------------------------------------------


def test_the_seed_date_formats():
    at = datetime(2016, 12, 2, 7, 57, 29, tzinfo=UTC)
    assert dates.instant(at) == "2016-12-02T07:57:29+0000"
    assert dates.created_at(datetime(2018, 11, 20, 6, 22, tzinfo=UTC)) == "20/11/2018 06:22"
    assert dates.parse_redeem_date("2015-12-05 13:37") == datetime(2015, 12, 5, 13, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2015-12-05T13:37",
        "2015-12-05 13:37:00",
        "2015-13-05 13:37",
        "2015-02-30 10:00",
        "2015-12-05 24:00",
        "05/12/2015 13:37",
        "",
        "2015-12-05",
        "２０１５-12-05 13:37",  # noqa: RUF001 - full-width digits must be refused
    ],
)
def test_redeem_dates_other_than_the_seed_format_are_refused(text):
    assert dates.parse_redeem_date(text) is None


# --- roles and permissions ----------------------------------------------------------------------------------


def test_roles():
    assert permissions.effective(1, []) == permissions.KNOWN
    assert permissions.effective(2, ["manage.users"]) == {"redeem.voucher"}
    assert permissions.effective(3, ["redeem.voucher"]) == {"redeem.voucher"}
    assert permissions.effective(0, ["redeem.voucher"]) == frozenset()
    assert permissions.custom_of("custom", {"redeem.voucher", "manage.orders"}) == ["manage.orders", "redeem.voucher"]
    assert permissions.custom_of("administrator", permissions.KNOWN) == []
    assert [permissions.role_id_of(r) for r in (None, "administrator", "redeemer", "custom", "other")] == [
        0,
        1,
        2,
        3,
        0,
    ]


@pytest.mark.parametrize(
    ("store_id", "domain"),
    [
        ("8", 8),
        ("1337", 1337),
        ("08", None),
        ("0", None),
        ("x8", None),
        ("8 ", None),
        ("٨", None),
        ("1234567890", None),
    ],
)
def test_a_store_is_a_domain_when_its_id_is_a_plain_integer(store_id, domain):
    assert permissions.domain_id_of(store_id) == domain
    assert permissions.domain_of_scope(f"store:{store_id}") == domain


def test_scopes():
    assert permissions.scope_of(8) == "store:8"
    assert permissions.domain_of_scope("other:8") is None


# --- the voucher object -------------------------------------------------------------------------------------


def voucher(
    kind: VoucherKind,
    initial: int,
    available: int,
    state: State,
    currency: str | None = "GBP",
    metadata: dict | None = None,
) -> Voucher:
    return Voucher(
        id="vch_1",
        tenant_id="acme",
        code="AAAA-BBBB-CCCC-DDDD",
        kind=kind,
        state=state,
        currency=currency,
        initial=initial,
        available=available,
        held=0,
        windows=(Window(WINDOW_FROM, WINDOW_TO),),
        redeemable_at=("1",),
        taxable=False,
        tax_rate=None,
        metadata=metadata or {},
        holder=None,
        campaign_id=None,
        offer_id=None,
        pin_hash=None,
        locked_until=None,
        lock_code_hash=None,
        seq=1,
        created_at=WINDOW_FROM,
        updated_at=WINDOW_FROM,
    )


def line(amount: int, at: datetime) -> SimpleNamespace:
    return SimpleNamespace(amount=amount, at=NOW, effective_at=at, kind="redeem")


def test_the_fixed_single_use_sample_after_redemption():
    out = msgspec.to_builtins(
        voucher_out(
            voucher(VoucherKind.SINGLE_USE, 1, 0, State.REDEEMED, metadata={"order": ORDER}), [line(1, NOW)], [1]
        )
    )
    assert out == {
        "code": "AAAA-BBBB-CCCC-DDDD",
        "current": 1,
        "expirations": [{"from": "2016-12-02T07:57:29+0000", "to": "2017-03-02T07:57:29+0000"}],
        "monetary": False,
        "multiUsable": False,
        "order": {**ORDER, "redeemedDate": "2016-12-02T13:32:48+0000"},
        "redeemableOn": [1],
        "redeemed": True,
        "redeemHistory": [{"amount": 1, "redeemAt": "2016-12-02T13:32:48+0000"}],
        "remainingString": "0 time left",
        "status": "completed",
        "stock": 1,
    }


def test_monetary_and_multi_use_samples():
    money = voucher_out(
        voucher(VoucherKind.MONETARY, 2000, 1900, State.PARTIALLY_REDEEMED, "USD"), [line(100, NOW)], [1]
    )
    assert (money.current, money.stock, money.monetary, money.multi_usable, money.redeemed, money.status) == (
        100,
        2000,
        True,
        True,
        False,
        "in_progress",
    )
    assert money.order is None and money.remaining_string == "19.00 USD left"
    multi = voucher_out(voucher(VoucherKind.MULTI_USE, 5, 3, State.PARTIALLY_REDEEMED), [line(2, NOW)], [1])
    assert (multi.current, multi.stock, multi.multi_usable, multi.redeemed, multi.status) == (
        2,
        5,
        True,
        False,
        "in_progress",
    )
    assert multi.remaining_string == "3 times left"
    fresh = voucher_out(voucher(VoucherKind.SINGLE_USE, 1, 1, State.AVAILABLE), [], [1])
    assert (fresh.current, fresh.remaining_string, fresh.redeem_history) == (0, "1 time left", [])


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (State.AVAILABLE, "in_progress"),
        (State.PARTIALLY_REDEEMED, "in_progress"),
        (State.REDEEMED, "completed"),
        (State.EXPIRED, "expired"),
        (State.REFUNDED, "refunded"),
        (State.CANCELLED, "cancelled"),
    ],
)
def test_statuses(state, status):
    assert voucher_out(voucher(VoucherKind.SINGLE_USE, 1, 0, state), [], [1]).status == status


def test_an_open_window_starts_at_issue_and_has_no_end():
    v = dataclasses.replace(voucher(VoucherKind.SINGLE_USE, 1, 1, State.AVAILABLE), windows=(Window(None, None),))
    assert msgspec.to_builtins(voucher_out(v, [], [1]).expirations) == [
        {"from": "2016-12-02T07:57:29+0000", "to": None}
    ]
