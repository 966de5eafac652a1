"""Public ids (stable integers, assigned at issue) and third-party ids of vouchers, and the
migration that adds them to a database that already holds vouchers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from voucher_engine import Money, VoucherKind, VoucherSpec
from voucher_engine.errors import StorageError, ThirdPartyIdInUse, ValidationError, VoucherNotFound
from voucher_engine.storage import member_tables, migrate
from voucher_engine.storage.database import Database
from voucher_engine.storage.tables import metadata

K = VoucherKind


def test_public_ids_are_stable_integers_that_find_their_voucher(engine):
    issued = [engine.issue("acme", VoucherSpec(K.SINGLE_USE)) for _ in range(3)]
    theirs = engine.issue("globex", VoucherSpec(K.SINGLE_USE))
    ids = [v.public_id for v in issued]
    assert ids == sorted(ids) and len({*ids, theirs.public_id}) == 4 and min(ids) >= 1
    for voucher in issued:
        found = engine.get_voucher("acme", public_id=voucher.public_id)
        assert found.id == voucher.id and found.public_id == voucher.public_id
    # It never changes: not by claiming, spending or cancelling.
    engine.claim("acme", code=issued[0].code, holder="ann")
    engine.redeem("acme", code=issued[1].code)
    engine.cancel("acme", code=issued[2].code)
    assert [engine.get_voucher("acme", voucher_id=v.id).public_id for v in issued] == ids
    with pytest.raises(VoucherNotFound):
        engine.get_voucher("acme", public_id=theirs.public_id)  # another tenant's: not found
    for missing in (10**12, 0, -3, 2**64):
        with pytest.raises(VoucherNotFound):
            engine.get_voucher("acme", public_id=missing)
    with pytest.raises(ValidationError):
        engine.get_voucher("acme", public_id=ids[0], code=issued[0].code)  # exactly one key
    with pytest.raises(ValidationError):
        engine.get_voucher("acme")
    # An idempotent retry answers the same voucher with the same public id.
    first = engine.issue("acme", VoucherSpec(K.SINGLE_USE), idempotency_key="k")
    assert engine.issue("acme", VoucherSpec(K.SINGLE_USE), idempotency_key="k").public_id == first.public_id


def test_third_party_ids_are_unique_per_tenant_and_find_their_voucher(engine):
    spec = VoucherSpec(K.MONETARY, Money.parse("10.00", "EUR"), third_party_id="crm-1")
    ours = engine.issue("acme", spec)
    assert ours.third_party_id == "crm-1"
    assert engine.get_voucher("acme", third_party_id="crm-1").id == ours.id
    events = len(engine.events("acme"))
    with pytest.raises(ThirdPartyIdInUse):
        engine.issue("acme", spec)
    assert len(engine.events("acme")) == events  # nothing written
    theirs = engine.issue("globex", spec)  # another tenant may use the same id
    assert engine.get_voucher("globex", third_party_id="crm-1").id == theirs.id != ours.id
    with pytest.raises(VoucherNotFound):
        engine.get_voucher("acme", third_party_id="crm-2")
    # Vouchers without one do not collide with each other.
    plain = [engine.issue("acme", VoucherSpec(K.SINGLE_USE)) for _ in range(2)]
    assert [v.third_party_id for v in plain] == [None, None]
    for bad in ("", "x" * 256):
        with pytest.raises(ValidationError):
            VoucherSpec(K.SINGLE_USE, third_party_id=bad)


_OLD_VOUCHER = text(
    "INSERT INTO vouchers (id, tenant_id, code, kind, state, currency, initial, available, held, seq,"
    " windows, redeemable_at, taxable, attributes, created_at, updated_at)"
    " VALUES (:id, 'acme', :code, 'single_use', 'available', NULL, 1, 1, 0, 1, :empty, :empty, false, :obj,"
    " :at, :at)"
)


def _holder_diffs(db: Database) -> list:
    with db.sa.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    ours = {"members", "member_identifiers", "vouchers"}
    found = [d for d in diffs if any(name in repr(d) for name in ours)]
    if db.dialect == "sqlite":
        # SQLite cannot make an added column NOT NULL; a trigger refuses NULL there instead.
        found = [d for d in found if "public_id" not in repr(d) or "nullable" not in repr(d)]
    return found


def test_0006_numbers_existing_vouchers_in_issue_order_and_downgrades(database_url):
    assert member_tables.members.metadata is metadata
    db = Database(database_url)
    try:
        migrate.upgrade(db, "0004")
        with db.sa.begin() as conn:
            conn.execute(
                text("INSERT INTO tenants (id, name, created_at) VALUES ('acme', 'Acme', :at)"),
                {"at": datetime(2030, 1, 1, tzinfo=UTC)},
            )
            # Inserted out of order: numbering follows created_at (then id), not insertion.
            for vid, day in (("vch_c", 3), ("vch_a", 1), ("vch_b", 2), ("vch_a2", 1)):
                conn.execute(
                    _OLD_VOUCHER,
                    {
                        "id": vid,
                        "code": vid.upper(),
                        "empty": json.dumps([]),
                        "obj": json.dumps({}),
                        "at": datetime(2030, 1, day, tzinfo=UTC),
                    },
                )
        migrate.upgrade(db, "0006")
        with db.sa.connect() as conn:
            numbered = dict(conn.execute(text("SELECT id, public_id FROM vouchers")).all())
        assert numbered == {"vch_a": 1, "vch_a2": 2, "vch_b": 3, "vch_c": 4}
        assert _holder_diffs(db) == []
        assert {"members", "member_identifiers"} <= set(inspect(db.sa).get_table_names())
        # A row written without a public id: PostgreSQL's column default continues the
        # numbering; on SQLite (where the engine always writes one) the trigger refuses it.
        row_d = {"id": "vch_d", "code": "D", "empty": "[]", "obj": "{}", "at": datetime(2030, 1, 4, tzinfo=UTC)}
        if db.dialect == "postgresql":
            with db.write() as link:
                link.sql.execute(_OLD_VOUCHER, row_d)
                assert link.sql.execute(text("SELECT public_id FROM vouchers WHERE id = 'vch_d'")).scalar_one() == 5
        else:
            with pytest.raises(StorageError, match="public_id"), db.write() as link:
                link.sql.execute(_OLD_VOUCHER, row_d)
            with pytest.raises(StorageError, match="public_id"), db.write() as link:
                link.sql.execute(text("UPDATE vouchers SET public_id = 9 WHERE id = 'vch_a'"))
        migrate.downgrade(db, "0004")
        assert "members" not in inspect(db.sa).get_table_names()
        assert "public_id" not in {c["name"] for c in inspect(db.sa).get_columns("vouchers")}
        migrate.upgrade(db, "0006")  # and up again, from the same rows
        with db.sa.connect() as conn:
            rows = conn.execute(text("SELECT public_id FROM vouchers ORDER BY public_id")).scalars().all()
        assert rows == list(range(1, len(rows) + 1)) and len(rows) == len(numbered) + (db.dialect == "postgresql")
    finally:
        db.dispose()
