"""Pools over HTTP: create, import (CSV and JSON), generate, export, status -- and imports that
are refused whole."""

from __future__ import annotations

import csv
import io
import re

import pytest

CSV = {"Content-Type": "text/csv"}


def _export(http, headers, pool: str) -> list[dict]:
    response = http.get(f"/admin/pools/{pool}/export", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_import_generate_export_round_trip(http, engine, acme):
    created = http.post(
        "/admin/pools",
        json={"id": "p1", "name": "Spring", "low_stock_threshold": 2, "code_format": {"pattern": "SP-####"}},
        headers=acme,
    )
    assert created.status_code == 201
    assert created.json() == {
        "id": "p1",
        "name": "Spring",
        "size": 0,
        "issued": 0,
        "remaining": 0,
        "low_stock_threshold": 2,
    }
    from_csv = http.post(
        "/admin/pools/p1/codes", content=b"id,code\n1,CSV-A\n2,CSV-B\n\n3,CSV-A\n", headers={**acme, **CSV}
    )
    assert from_csv.status_code == 200
    assert from_csv.json()["added"] == 2 and from_csv.json()["skipped"] == 1
    bare = http.post(
        "/admin/pools/p1/codes", params={"header": "false"}, content=b"BARE-1\nCSV-B\n", headers={**acme, **CSV}
    )
    assert (bare.json()["added"], bare.json()["skipped"]) == (1, 1)
    from_json = http.post("/admin/pools/p1/codes", json=["JSON-1", "JSON-2"], headers=acme)
    assert from_json.json()["pool"]["size"] == 5
    generated = http.post("/admin/pools/p1/generate", json={"count": 20}, headers=acme)
    assert generated.status_code == 200
    assert generated.json()["added"] == 20 and generated.json()["pool"]["size"] == 25

    issued = engine.pop_code("acme", "p1", reference="order-1")
    rows = _export(http, acme, "p1")
    assert [int(r["seq"]) for r in rows] == list(range(1, 26))
    assert [r["code"] for r in rows[:5]] == ["CSV-A", "CSV-B", "BARE-1", "JSON-1", "JSON-2"]
    assert all(re.fullmatch(r"SP-\d{4}", r["code"]) for r in rows[5:])
    assert len({r["code"] for r in rows}) == 25
    assert rows[0]["code"] == issued.code and rows[0]["reference"] == "order-1" and rows[0]["issued_at"]
    assert all(r["issued_at"] == "" for r in rows[1:])
    status = http.get("/admin/pools/p1", headers=acme).json()
    assert (status["size"], status["issued"], status["remaining"]) == (25, 1, 24)
    assert [p["id"] for p in http.get("/admin/pools", headers=acme).json()] == ["p1"]


def test_an_exported_file_imports_into_another_pool(http, acme):
    http.post("/admin/pools", json={"id": "a", "code_format": {"pattern": "XXXXXX"}}, headers=acme)
    http.post("/admin/pools/a/generate", json={"count": 50}, headers=acme)
    exported = http.get("/admin/pools/a/export", headers=acme).content
    http.post("/admin/pools", json={"id": "b"}, headers=acme)
    imported = http.post("/admin/pools/b/codes", content=exported, headers={**acme, **CSV})
    assert imported.json()["added"] == 50
    assert [r["code"] for r in _export(http, acme, "b")] == [r["code"] for r in _export(http, acme, "a")]


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"code\nGOOD-1\nBAD CODE\n", CSV, 422, "invalid_code_format"),  # one bad line: nothing added
        (b"number\n1\n", CSV, 422, "invalid"),  # no "code" column
        (b"\xff\xfe code", CSV, 400, "malformed"),
        (b'["A", "B"', {"Content-Type": "application/json"}, 400, "malformed"),
        (b'["A", 7]', {"Content-Type": "application/json"}, 422, "invalid"),
        (b'{"codes": ["A"]}', {"Content-Type": "application/json"}, 422, "invalid"),
        (b"A\nB\n", {"Content-Type": "application/xml"}, 415, "unsupported_media_type"),
    ],
)
def test_a_bad_import_adds_nothing(http, engine, acme, body, headers, status, code):
    http.post("/admin/pools", json={"id": "p1"}, headers=acme)
    outbox = engine.outbox_size("acme")
    response = http.post("/admin/pools/p1/codes", content=body, headers={**acme, **headers})
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert engine.pool_status("acme", "p1").size == 0
    assert engine.outbox_size("acme") == outbox


def test_import_and_generate_limits(http, engine, acme, monkeypatch):
    from voucher_engine_admin import pool_ops

    http.post("/admin/pools", json={"id": "p1", "code_format": {"pattern": "####"}}, headers=acme)
    monkeypatch.setattr(pool_ops, "MAX_CODES", 3)
    too_many = http.post(
        "/admin/pools/p1/codes", content=b"A\nB\nC\nD\n", params={"header": "false"}, headers={**acme, **CSV}
    )
    assert too_many.status_code == 422
    over = http.post("/admin/pools/p1/generate", json={"count": 100_001}, headers=acme)
    assert over.status_code == 422 and over.json()["code"] == "invalid"
    assert http.post("/admin/pools/p1/generate", json={"count": 0}, headers=acme).status_code == 422
    # A pool with no format cannot generate.
    http.post("/admin/pools", json={"id": "plain"}, headers=acme)
    no_format = http.post("/admin/pools/plain/generate", json={"count": 1}, headers=acme)
    assert no_format.status_code == 422
    assert engine.pool_status("acme", "p1").size == 0 and engine.pool_status("acme", "plain").size == 0


def test_a_body_over_the_import_limit_is_413(http, engine, acme, monkeypatch):
    http.post("/admin/pools", json={"id": "p1"}, headers=acme)
    body = b"code\n" + b"".join(b"C-%07d\n" % i for i in range(1_100_000))  # about 11 MB
    response = http.post("/admin/pools/p1/codes", content=body, headers={**acme, **CSV})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert engine.pool_status("acme", "p1").size == 0


def test_creating_a_pool_twice_is_a_conflict(http, engine, acme):
    assert http.post("/admin/pools", json={"id": "p1"}, headers=acme).status_code == 201
    again = http.post("/admin/pools", json={"id": "p1", "name": "Other"}, headers=acme)
    assert again.status_code == 409 and again.json()["code"] == "already_exists"
    assert engine.pool_status("acme", "p1").name == "p1"
