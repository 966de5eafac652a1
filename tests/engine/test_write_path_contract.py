"""The import contract that keeps every module but the engine and storage off
``voucher_engine.storage.database`` (the thing that opens transactions) names every module of
the core: a new package cannot slip past it by being left off the list."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import voucher_engine

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = "One way to write: only the engine and storage open transactions"
#: Allowed to open transactions, and (until its own branch moves it onto the engine's command
#: runner) identity, which the lead adds to the contract at merge.
EXEMPT = {"voucher_engine.engine", "voucher_engine.storage"}


def _contract() -> dict:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"] == CONTRACT)


def test_the_one_way_to_write_contract_covers_every_module_of_the_core() -> None:
    modules = {f"voucher_engine.{m.name}" for m in pkgutil.iter_modules(voucher_engine.__path__)}
    assert "voucher_engine.delivery" in modules and "voucher_engine.engine" in modules
    covered = set(_contract()["source_modules"])
    assert sorted(modules - EXEMPT - covered) == []
    assert covered.isdisjoint(EXEMPT)


def test_the_contract_also_covers_the_adapter_and_every_plugin() -> None:
    linted = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]
    outside_the_core = {p for p in linted if p != "voucher_engine"}
    assert outside_the_core <= set(_contract()["source_modules"])
    assert _contract()["forbidden_modules"] == ["voucher_engine.storage.database"]
