"""docs/writing-a-provider.md quotes the example provider that the tests mount, verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_guide_quotes_the_tested_example_exactly():
    page = (ROOT / "docs/writing-a-provider.md").read_text()
    match = re.search(r"<!-- example: docs/provider_example/giftcard.py -->\n```python\n(.*?)```\n", page, re.S)
    assert match is not None
    assert match[1] == (ROOT / "docs/provider_example/giftcard.py").read_text()


def test_the_guide_names_every_public_provider_type():
    from voucher_engine import providers

    page = (ROOT / "docs/writing-a-provider.md").read_text()
    for name in ("Provider", "Operation", "AuthScheme", "Call", "Reply", "Failure", "FailureKind", "Credentials"):
        assert hasattr(providers, name)
        assert f"`{name}`" in page or name in page, name
