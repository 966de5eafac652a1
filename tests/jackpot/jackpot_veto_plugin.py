"""A plugin for a test server: refuses every release of a spending session (the last step of a
Jackpot cancellation or expiry), so a test sees whether the step before it stayed on its own."""

from __future__ import annotations

from voucher_engine.commands import Command
from voucher_engine.plugin import hookimpl

REASON = "releases are refused by the test"


@hookimpl
def voucher_engine_veto_command(command: Command) -> str | None:
    return REASON if command.operation == "release_session" else None
