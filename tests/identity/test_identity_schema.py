"""Migration 0002 creates exactly the identity tables the code builds statements from."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from dbsupport import database_of
from voucher_engine.storage import identity_tables
from voucher_engine.storage.tables import metadata

IDENTITY_TABLES = {name for name in identity_tables.__all__ if name != "PARTNER_ALGORITHMS"}


def _ours(diff) -> bool:
    """Whether one autogenerate difference concerns an identity table."""
    flat = diff if isinstance(diff, tuple) else diff[0]
    for item in flat:
        table = getattr(item, "table", None)
        name = getattr(item, "name", None) if table is None else table.name
        if name in IDENTITY_TABLES:
            return True
        if isinstance(item, str) and item in IDENTITY_TABLES:
            return True
    return False


def test_the_migrated_schema_matches_the_identity_tables(engine) -> None:
    with database_of(engine).sa.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = [d for d in compare_metadata(context, metadata) if _ours(d)]
        tables = set(conn.dialect.get_table_names(conn))
    assert tables >= IDENTITY_TABLES
    assert differences == []
