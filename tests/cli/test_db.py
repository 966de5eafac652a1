"""``voucher-engine db upgrade | current``, and commands on a database not yet migrated."""

from __future__ import annotations

from cli_helpers import cli, ok

from voucher_engine.storage import migrate


def test_upgrade_then_current_then_upgrade_again(database_url: str) -> None:
    head = migrate.head_revision()
    before = ok(cli("db", "current", "--url", database_url)).stdout
    assert f"revision none, head is {head}: run `voucher-engine db upgrade`" in before

    # A command on an unmigrated PostgreSQL database says what to do instead of failing deep inside.
    if database_url.startswith("postgresql"):
        early = cli("stats", "--url", database_url)
        assert early.returncode == 1
        assert early.stderr.startswith("error: storage_error: the database at ")
        assert "run `voucher-engine db upgrade --url ...` first" in early.stderr

    upgraded = ok(cli("--url", database_url, "db", "upgrade")).stdout
    assert f"migrated from an empty database to {head} (head)" in upgraded
    assert f"revision {head} (head)" in ok(cli("db", "current", "--url", database_url)).stdout
    assert f"already at revision {head} (head)" in ok(cli("db", "upgrade", "--url", database_url)).stdout


def test_the_url_comes_from_the_environment_when_not_given(sqlite_url: str) -> None:
    result = ok(cli("db", "current", env={"VOUCHER_ENGINE_URL": sqlite_url}))
    assert result.stdout.startswith(f"{sqlite_url}: revision none")
