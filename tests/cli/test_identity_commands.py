"""Identities from the shell: ``distributor create | rotate``, ``partner add``, ``webhook add |
list``, ``staff add``, each secret shown once and working; ``--help`` on every command; shell
completion."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from cli_helpers import cli, ok, open_engine

from voucher_engine import SystemClock
from voucher_engine.cli import cli as root
from voucher_engine.cli import main
from voucher_engine.errors import Unauthorized
from voucher_engine.identity import Identity
from voucher_engine.testing import PartnerSigner


def printed(out: str, label: str) -> str:
    found = re.search(rf"^{label}:\s+(\S+)$", out, re.M)
    assert found, out
    return found.group(1)


@pytest.fixture
def acme(sqlite_url: str) -> str:
    with open_engine(sqlite_url) as engine:
        engine.create_tenant("acme")
    return sqlite_url


def test_distributor_create_then_rotate(acme: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["distributor", "create", "acme", "DIST-1", "--name", "Kiosk", "--url", acme]) == 0
    first = printed(capsys.readouterr().out, "token")
    assert main(["distributor", "rotate", "acme", "DIST-1", "--url", acme]) == 0
    second = printed(capsys.readouterr().out, "token")
    with open_engine(acme) as engine:
        identity = Identity(engine)
        assert identity.authenticate_distributor(second).distributor_id == "DIST-1"
        with pytest.raises(Unauthorized):
            identity.authenticate_distributor(first)
    assert main(["distributor", "create", "acme", "DIST-1", "--url", acme]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    assert main(["distributor", "rotate", "acme", "NOBODY", "--url", acme]) == 1


def test_partner_add_with_a_generated_or_an_environment_secret(
    acme: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["partner", "add", "acme", "shop-42", "--url", acme]) == 0
    secret = printed(capsys.readouterr().out, "shared secret")
    monkeypatch.setenv("SHOP_77_SECRET", "s" * 40)
    assert main(["partner", "add", "acme", "shop-77", "--secret-env", "SHOP_77_SECRET", "--url", acme]) == 0
    assert "s" * 40 not in capsys.readouterr().out  # a secret the operator gave is not echoed
    with open_engine(acme) as engine:
        identity = Identity(engine)
        for partner, key in (("shop-42", secret), ("shop-77", "s" * 40)):
            token = PartnerSigner(SystemClock(), partner, key, tenant="acme").sign()
            assert identity.use_partner_jwt("acme", token, partner_id=partner).partner_id == partner
    assert main(["partner", "add", "acme", "p", "--secret-env", "UNSET_VARIABLE_X", "--url", acme]) == 1
    assert "UNSET_VARIABLE_X is not set" in capsys.readouterr().err
    assert main(["partner", "add", "acme", "p", "--algorithm", "ES256", "--url", acme]) == 2


def test_webhook_add_obeys_the_configured_networks_and_list_shows_no_secret(
    acme: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = "http://127.0.0.1:9/hook"
    assert main(["webhook", "add", "acme", local, "--url", acme]) == 1
    assert capsys.readouterr().err.startswith("error: unsafe_webhook_url: ")
    config = tmp_path / "c.toml"
    config.write_text('[webhooks]\nnetworks = ["127.0.0.1/32"]\n')
    assert (
        main(
            ["webhook", "add", "acme", local, "--event-type", "voucher.issued", "--url", acme, "--config", str(config)]
        )
        == 0
    )
    secret = printed(capsys.readouterr().out, "secret")
    assert secret.startswith("whsec_")
    assert main(["--config", str(config), "webhook", "list", "acme", "--url", acme]) == 0
    table = capsys.readouterr().out
    assert local in table and "voucher.issued" in table and secret not in table


def test_staff_add_prints_a_password_that_logs_in(acme: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "add", "acme", "Ops@Acme.example", "--role", "admin=admin", "--url", acme]) == 0
    password = printed(capsys.readouterr().out, "password")
    with open_engine(acme) as engine:
        tokens = Identity(engine).login("acme", "ops@acme.example", password, "admin")
        assert tokens.access_token
    assert main(["staff", "add", "acme", "x@acme.example", "--role", "admin", "--url", acme]) == 2


def every_command(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += every_command(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def test_help_on_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    commands = every_command(root)
    assert ("distributor", "rotate") in commands and ("webhook", "list") in commands and ("config", "show") in commands
    for path in commands:
        assert main([*path, "--help"]) == 0, path
        out = capsys.readouterr().out
        assert out.startswith(f"Usage: voucher-engine {' '.join(path)}".rstrip()), (path, out)


def test_shell_completion() -> None:
    script = ok(cli(env={"_VOUCHER_ENGINE_COMPLETE": "bash_source"})).stdout
    assert "_voucher_engine_completion" in script and "complete " in script
    words = ok(
        cli(env={"_VOUCHER_ENGINE_COMPLETE": "bash_complete", "COMP_WORDS": "voucher-engine dis", "COMP_CWORD": "1"})
    ).stdout
    assert words.split() == ["plain,distributor"]  # bash_complete answers type,value per line
