"""``write_wait`` from the configuration reaches every process that writes as the server does:
the worker and the commands that open the engine with the configuration applied, not the server
alone (they took the engine's default before)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest

from voucher_engine.cli import main
from voucher_engine.cli import worker as worker_command
from voucher_engine.cli.common import open_configured_engine
from voucher_engine.config import CONFIG_ENV


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "voucher-engine.toml"
    path.write_text(f'url = "sqlite:///{tmp_path / "vouchers.sqlite3"}"\nwrite_wait = "2s"\n')
    return path


def test_the_worker_command_gives_its_engine_the_configured_write_wait(tmp_path: Path, monkeypatch) -> None:
    given: dict[str, Any] = {}
    monkeypatch.setattr(worker_command, "main_worker", lambda url, **kwargs: given.update(kwargs, url=url) or 0)
    assert main(["--config", str(_config(tmp_path)), "worker"]) == 0
    assert given["url"].endswith("vouchers.sqlite3")
    assert given["config"].max_write_wait_s == pytest.approx(2.0)


def test_a_configured_command_opens_its_engine_with_the_configured_write_wait(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(_config(tmp_path)))
    # As inside any command: the configuration is found through click's context.
    with click.Context(click.Command("webhook")).scope(), open_configured_engine(None) as engine:
        assert engine.config.max_write_wait_s == pytest.approx(2.0)
