"""docs/providers/jackpot.md says what the provider does: its error table holds every code the
provider defines, with the status the provider answers it with, and it lists every route."""

from __future__ import annotations

import re
from pathlib import Path

from voucher_engine_jackpot import EVENT_TYPES, PROVIDER
from voucher_engine_jackpot import errors as jackpot_errors
from voucher_engine_jackpot.errors import BY_CODE
from voucher_engine_jackpot.webhooks import STEPS

PAGE = (Path(__file__).resolve().parents[2] / "docs/providers/jackpot.md").read_text()


def documented_statuses() -> dict[str, int]:
    table = {}
    for status, codes in re.findall(r"^\| (\d{3})(?:, \d{3})? \| (.*) \|$", PAGE, re.M):
        for code in re.findall(r"`([a-z_]+)`", codes):
            table.setdefault(code, int(status))
    return table


def test_every_code_of_the_provider_is_documented_with_its_status():
    documented = documented_statuses()
    own = {
        cls.code: cls
        for cls in vars(jackpot_errors).values()
        if isinstance(cls, type) and cls.__module__ == jackpot_errors.__name__
    }
    assert set(own) <= set(documented)
    for code, status in BY_CODE.items():
        assert documented[code] == status, code
    assert documented["voucher_not_ready"] == 409 and documented["voucher_not_found"] == 404


def test_every_route_and_event_type_is_documented():
    for operation in PROVIDER.operations:
        path = re.sub(r"\{(\w+):str\}", r"{\1}", operation.path)
        assert f"{operation.method} {path}" in PAGE, path
    for event_type in EVENT_TYPES:
        # Each step's webhook: its Jackpot type, the state it shows and the core event behind it.
        step = STEPS[event_type]
        assert f"| `{step}` |" in PAGE and f"`{event_type}` |" in PAGE, step
