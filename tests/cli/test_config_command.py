"""``voucher-engine config show``: the effective configuration as valid TOML, each value not
from the file marked with its origin, the database password masked; a bad configuration ends
with status 2 naming every bad key."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from voucher_engine.cli import main

FILE = """
url = "postgresql+psycopg://app:hunter2@db/vouchers"
[server]
port = 9000
mounts = ["promo=/"]
[providers.jackpot]
reservation_ttl = "10m"
"""


def test_show_prints_valid_toml_marked_by_origin_with_the_password_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "voucher-engine.toml"
    path.write_text(FILE)
    monkeypatch.setenv("VOUCHER_ENGINE_PROVIDERS_JACKPOT_SESSION_TTL", "7m")
    assert main(["--config", str(path), "config", "show"]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out
    assert 'session_ttl = "7m"  # environment VOUCHER_ENGINE_PROVIDERS_JACKPOT_SESSION_TTL' in out
    assert 'reservation_ttl = "10m"\n' in out and "processes = 1  # default" in out
    shown = tomllib.loads(out)
    assert shown["url"] == "postgresql+psycopg://app:***@db/vouchers"
    assert (shown["server"]["port"], shown["server"]["mounts"]) == (9000, ["promo=/"])
    assert shown["providers"]["jackpot"]["session_ttl"] == "7m"
    assert shown["providers"]["spaaza"]["chains"] == {}

    assert main(["config", "show", "--config", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["providers"]["jackpot"]["reservation_ttl"] == "10m"


def test_a_bad_configuration_names_every_bad_key_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "voucher-engine.toml"
    path.write_text('[server]\nprot = 8000\n[providers.jackpot]\nsession_ttl = "soon"\n')
    monkeypatch.setenv("VOUCHER_ENGINE_SERVER_PORT", "eighty")
    for argv in (["config", "show"], ["serve"], ["worker"]):
        assert main(["--config", str(path), *argv]) == 2
        err = capsys.readouterr().err.splitlines()
        assert err[0] == f"error: invalid_config: {path}: 3 problem(s)"
        problems = sorted(err[1:])
        assert problems[0].startswith('  providers.jackpot.session_ttl: expected a duration like "90s"')
        assert (
            problems[1]
            == "  server.port: expected an integer, got 'eighty' (from environment VOUCHER_ENGINE_SERVER_PORT)"
        )
        assert problems[2].startswith("  server.prot: unknown key")
