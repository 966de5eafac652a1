"""Meta-tests (datasette's habit): every hook is documented and exercised by a test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from voucher_engine import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(
    name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("voucher_engine_")
)


def test_there_are_hooks_and_each_is_documented_with_its_own_heading():
    documented = set(re.findall(r"^## (voucher_engine_\w+)$", (ROOT / "docs/hooks.md").read_text(), re.M))
    assert len(HOOKS) >= 6
    assert documented == set(HOOKS)


def test_each_hook_has_a_docstring_saying_when_and_how_results_combine():
    for name in HOOKS:
        doc = " ".join((inspect.getdoc(getattr(hookspecs, name)) or "").split())
        assert "Called" in doc, name
        assert any(phrase in doc for phrase in ("Stops at the first", "Every implementation is called")), name


def test_each_hook_is_implemented_by_some_test():
    this = Path(__file__).resolve()
    sources = [p.read_text() for p in (ROOT / "tests").rglob("*.py") if p.resolve() != this]
    for name in HOOKS:
        assert any(f"def {name}(" in src for src in sources), f"no test implements {name}"
