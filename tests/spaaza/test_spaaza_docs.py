"""docs/providers/spaaza.md tells the truth: every error of the catalogue is in its table with
its number and status, and every operation of the provider is documented."""

from __future__ import annotations

import re
from pathlib import Path

from voucher_engine_spaaza import PROVIDER
from voucher_engine_spaaza.errors import CATALOGUE

DOC = Path(__file__).resolve().parents[2] / "docs" / "providers" / "spaaza.md"


def test_every_error_is_documented_with_its_number_and_status():
    rows = {
        m["name"]: (int(m["code"]), int(m["status"]))
        for m in re.finditer(r"^\| (?P<code>\d+) \| `(?P<name>[a-z_]+)` \| (?P<status>\d{3}) \|", DOC.read_text(), re.M)
    }
    assert rows == {name: (number, status) for name, (number, status, _) in CATALOGUE.items()}


def test_every_operation_is_documented():
    text = DOC.read_text()
    for op in PROVIDER.operations:
        assert f"`{op.method} {op.path}`" in text or f"{op.method} {op.path}" in text, op.name
