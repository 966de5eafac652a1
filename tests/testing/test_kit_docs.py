"""docs/writing-a-provider.md quotes the example's tests as they are on disk and documents
every fixture the kit registers; docs/public-api.md names the kit."""

from __future__ import annotations

import re
from pathlib import Path

import voucher_engine.testing as kit

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "writing-a-provider.md"


def test_the_guide_quotes_the_example_tests_verbatim():
    match = re.search(r"<!-- test: (\S+) -->\n```python\n(.*?)```\n", GUIDE.read_text(), re.S)
    assert match is not None and match[1] == "docs/provider_example/tests/test_giftcard.py"
    assert match[2] == (ROOT / match[1]).read_text()


def test_every_kit_fixture_is_documented():
    fixtures = sorted(name for name in kit.__all__ if name.startswith("ve_"))
    assert fixtures == [
        "ve_backend",
        "ve_client",
        "ve_clock",
        "ve_database_url",
        "ve_engine",
        "ve_partner_signer",
        "ve_plugins",
        "ve_server",
        "ve_webhook_receiver",
    ]
    guide = GUIDE.read_text()
    for name in fixtures:
        assert f"| `{name}` |" in guide, name
    assert "`voucher_engine.testing`" in (ROOT / "docs" / "public-api.md").read_text()
