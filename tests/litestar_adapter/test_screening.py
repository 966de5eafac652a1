"""``voucher_engine.screening``: what no column can hold, found with its path, and JSON depth
measured before decoding. Through HTTP: tests/litestar_adapter/test_bad_input_corpus.py."""

from __future__ import annotations

import sys
import typing
from types import FrameType
from typing import Any

import msgspec
import pytest

from voucher_engine.errors import FieldError
from voucher_engine.plugin import MAX_JSON_DEPTH, json_depth_exceeds, screen


class Item(msgspec.Struct, rename="camel"):
    item_code: str
    count: int = 1


class Form(msgspec.Struct):
    items: list[Item] = []
    ratio: float = 1.0
    meta: dict[str, Any] = {}


def _lax(fields: dict[str, Any]) -> Form:
    """As a form or query string is decoded: strings converted laxly."""
    return msgspec.convert(fields, Form, strict=False)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            _lax({"items": [{"itemCode": "a\x00b"}]}),
            FieldError("items[0].itemCode", "characters", "a NUL character is not allowed"),
        ),
        (
            _lax({"items": [{"itemCode": "a", "count": "1" + "0" * 30}]}),
            FieldError("items[0].count", "maximum", "the number is out of range (64-bit integers only)"),
        ),
        (
            _lax({"items": [{"itemCode": "a", "count": "-1" + "0" * 30}]}),
            FieldError("items[0].count", "minimum", "the number is out of range (64-bit integers only)"),
        ),
        (_lax({"ratio": "nan"}), FieldError("ratio", "finite", "the number is not finite")),
        (_lax({"ratio": "inf"}), FieldError("ratio", "finite", "the number is not finite")),
        (Form(meta={"k\x00": 1}), FieldError("meta.k\x00", "characters", "a NUL character is not allowed")),
        (
            Form(meta={"deep": [{"x": "\ud800"}]}),
            FieldError("meta.deep[0].x", "characters", "a lone surrogate (not a character) is not allowed"),
        ),
        ({"q": ["ok", "a\x00"]}, FieldError("q[1]", "characters", "a NUL character is not allowed")),
    ],
)
def test_screen_names_the_first_value_no_column_holds(value: object, problem: FieldError) -> None:
    assert screen(value) == problem


def test_what_every_column_holds_passes() -> None:
    fine = _lax(
        {
            "items": [{"itemCode": "Grüße 😀", "count": str(2**63 - 1)}],
            "ratio": "1e300",
            "meta": {"n": -(2**63), "ok": True, "none": None},
        }
    )
    assert screen(fine) is None
    assert screen(b"\x00 bytes are not text") is None  # uploads are bytes, not text


def test_screening_a_struct_evaluates_no_annotations() -> None:
    # Every request body is screened: the field names come from the class, not from its
    # annotations evaluated again (``msgspec.structs.fields`` did, about 40 us a body).
    form = _lax({"items": [{"itemCode": "a"}, {"itemCode": "b"}], "meta": {"k": "v"}})
    outside = (typing.__file__, msgspec.__path__[0])
    called: list[str] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code.co_filename.startswith(outside):
            called.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        problem = screen(form)
    finally:
        sys.setprofile(None)
    assert problem is None
    assert called == []


def test_depth_is_counted_outside_strings_only() -> None:
    assert not json_depth_exceeds(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, MAX_JSON_DEPTH)
    assert json_depth_exceeds(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)
    brackets_in_text = b'{"a": "' + b"[{" * 500 + b'\\"[[["}'
    assert not json_depth_exceeds(brackets_in_text, MAX_JSON_DEPTH)
    wide = b"[" + b",".join([b"[1]"] * 500) + b"]"  # many brackets, depth 2
    assert not json_depth_exceeds(wide, MAX_JSON_DEPTH)
    assert json_depth_exceeds(b'{"x": ' + b'{"y": ' * 40 + b"1" + b"}" * 41, MAX_JSON_DEPTH)
