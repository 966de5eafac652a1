"""The restore drill of docs/operations.md: its backup and restore blocks, run exactly as
written, on a small database; the restored copy equals the original and goes on working."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.engine import make_url

from dbsupport import open_engine, pg_url
from voucher_engine import Engine, Money, VoucherKind, VoucherSpec, replay
from voucher_engine.delivery import DeliverySettings
from voucher_engine.delivery.api import Webhooks
from voucher_engine.storage import migrate
from voucher_engine.testing.databases import fresh_database

PAGE = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
BIN = Path(sys.executable).parent


def drill(backend: str) -> str:
    """The shell block of operations.md marked ``<!-- drill: backend -->``."""
    found = re.search(rf"<!-- drill: {backend} -->\n```sh\n(.*?)```", PAGE.read_text(), re.S)
    assert found, f"operations.md has no drill block for {backend}"
    return found[1]


def populate(engine: Engine) -> list[str]:
    """A small but varied database: vouchers, a partial redemption, a pool, an endpoint.
    The vouchers' codes, then the code popped for order-1."""
    engine.create_tenant("acme")
    codes = [
        engine.issue("acme", VoucherSpec(VoucherKind.MONETARY, Money.parse(f"{n}0.00", "EUR"))).code for n in (1, 2, 5)
    ]
    engine.redeem("acme", code=codes[1], amount=Money.parse("7.25", "EUR"))
    engine.create_pool("acme", "promo")
    engine.add_codes("acme", "promo", [f"PROMO-{n}" for n in range(5)])
    codes.append(engine.pop_code("acme", "promo", reference="order-1").code)
    # A resolver standing in for DNS: this machine has no internet.
    webhooks = Webhooks(engine, DeliverySettings(), resolve=lambda host, port: ["93.184.215.14"])
    webhooks.create_endpoint("acme", "https://hooks.example.com/in")
    return codes


def rows(url: str) -> dict[str, list[tuple]]:
    """Every table's rows, in a stable order."""
    db = create_engine(url)
    meta = MetaData()
    meta.reflect(db)
    with db.connect() as conn:
        result = {
            name: sorted(map(tuple, conn.execute(select(table))), key=repr) for name, table in meta.tables.items()
        }
    db.dispose()
    return result


def run_drill(backend: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["sh", "-e", "-c", drill(backend)],
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def assert_restored(original_url: str, restored_url: str, codes: list[str], drill_output: str) -> None:
    assert f"revision {migrate.head_revision()} (head)" in drill_output
    assert rows(restored_url) == rows(original_url)
    restored = open_engine(restored_url)
    try:
        *vouchers, popped = codes
        for code in vouchers:
            voucher = restored.get_voucher("acme", code=code)
            assert (voucher.available, voucher.held) == tuple(
                getattr(replay(restored.ledger("acme", code=code)), f) for f in ("available", "held")
            )
        assert restored.redeem("acme", code=codes[2], amount=Money.parse("1.00", "EUR")).available == 4900
        assert restored.pop_code("acme", "promo", reference="order-1").code == popped
        issued = {restored.pop_code("acme", "promo", reference=f"order-{n}").code for n in range(1, 6)}
        assert len(issued) == 5
    finally:
        restored.close()


@pytest.mark.postgresql
def test_the_postgresql_drill_restores_an_equal_working_database(tmp_path: Path) -> None:
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is not installed: the documented PostgreSQL drill cannot run")
    with fresh_database("postgresql", tmp_path, migrated=True) as url:
        engine = open_engine(url)
        codes = populate(engine)
        engine.close()
        server = make_url(pg_url())
        restored_name = f"{make_url(url).database}_restored"
        env = {
            "BACKUP": str(tmp_path / "vouchers.dump"),
            "DATABASE": make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
            "RESTORED": restored_name,
            "PGHOST": server.host or "127.0.0.1",
            "PGPORT": str(server.port or 5432),
            "PGUSER": server.username or "postgres",
        }
        restored_url = make_url(url).set(database=restored_name).render_as_string(hide_password=False)
        try:
            assert_restored(url, restored_url, codes, run_drill("postgresql", env))
        finally:
            admin = create_engine(pg_url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
            admin.dispose()


def test_the_sqlite_drill_restores_an_equal_working_database(tmp_path: Path) -> None:
    if shutil.which("sqlite3") is None:
        pytest.fail("the sqlite3 shell is not installed: the documented SQLite drill cannot run")
    with fresh_database("sqlite", tmp_path, migrated=True) as url:
        engine = open_engine(url)
        codes = populate(engine)
        # The backup is taken while the engine still has the file open, as in production.
        restored_file = tmp_path / "restored.sqlite3"
        output = run_drill(
            "sqlite",
            {
                "DATABASE_FILE": make_url(url).database,
                "BACKUP": str(tmp_path / "backup.sqlite3"),
                "RESTORED_FILE": str(restored_file),
            },
        )
        engine.close()
        assert_restored(url, f"sqlite:///{restored_file}", codes, output)
