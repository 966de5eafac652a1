"""Migration 0007 on a database that already has staff users, grants and token families (made
by 0002): users get public ids 1, 2, ... per tenant in order of creation, roles survive with an
empty permission set, and the downgrade goes back; on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from voucher_engine.storage import migrate
from voucher_engine.storage.database import Database

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def _seed(conn) -> None:
    for tenant in ("acme", "globex"):
        conn.execute(text("INSERT INTO tenants (id, name, created_at) VALUES (:t, :t, :at)"), {"t": tenant, "at": T0})
    users = [("u2", "acme", 2), ("u1", "acme", 1), ("g1", "globex", 1)]  # (id, tenant, minute created)
    for user_id, tenant, minute in users:
        conn.execute(
            text(
                "INSERT INTO staff_users (id, tenant_id, email, password_hash, full_name, locale, active, created_at) "
                "VALUES (:id, :t, :e, 'h', '', 'en', true, :at)"
            ),
            {"id": user_id, "t": tenant, "e": f"{user_id}@example.com", "at": T0.replace(minute=minute)},
        )
    conn.execute(text("INSERT INTO staff_roles (user_id, scope, role) VALUES ('u1', 'd1', 'admin')"))
    conn.execute(
        text(
            "INSERT INTO token_families (id, tenant_id, user_id, scope, created_at) "
            "VALUES ('f1', 'acme', 'u1', 'd1', :at)"
        ),
        {"at": T0},
    )


def test_0007_numbers_existing_users_and_keeps_their_roles(database_url) -> None:
    db = Database(database_url)
    try:
        migrate.upgrade(db, "0004")
        with db.write() as link:
            _seed(link.sql)
        migrate.upgrade(db, "0007")
        with db.read() as conn:
            ids = conn.execute(text("SELECT id, public_id FROM staff_users ORDER BY id")).all()
            grant = conn.execute(text("SELECT role, permissions FROM staff_roles")).one()
            family = conn.execute(text("SELECT user_id, access_ttl_s FROM token_families")).one()
        assert [tuple(r) for r in ids] == [("g1", 1), ("u1", 1), ("u2", 2)]
        assert grant.role == "admin" and grant.permissions in ([], "[]")
        assert tuple(family) == ("u1", None)
        assert {"staff_api_keys", "client_token_stats"} <= set(inspect(db.sa).get_table_names())
        migrate.downgrade(db, "0004")
        tables = set(inspect(db.sa).get_table_names())
        assert "staff_api_keys" not in tables and "client_token_stats" not in tables
        with db.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM staff_roles")).scalar_one() == 1
    finally:
        db.dispose()
