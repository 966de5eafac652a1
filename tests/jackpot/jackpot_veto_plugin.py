"""A plugin for a test server, acting through the veto hook (called by every engine command,
nested ones too, inside the outer command's transaction) and only for its own two tenants, so
the other tenants on the same server are left alone:

- ``NO_RELEASE``: every release of a spending session (the last step of a Jackpot cancellation
  or expiry) is refused, so a test sees whether the step before it stayed on its own;
- ``SLOW_ISSUE``: issuing a voucher waits ``WINDOW_S`` first. A reservation issues its voucher
  after spending the session, in the same transaction, so this holds that transaction open
  and widens the window a read-then-write spend would leave to a parallel reservation.
"""

from __future__ import annotations

import time

from voucher_engine.commands import Command
from voucher_engine.plugin import hookimpl

NO_RELEASE = "no-release"
SLOW_ISSUE = "slow-issue"
REASON = "releases are refused by the test"
#: Well below the PostgreSQL lock timeout, so a parallel spend waits for the lock, not in vain.
WINDOW_S = 0.2


@hookimpl
def voucher_engine_veto_command(command: Command) -> str | None:
    if command.tenant_id == NO_RELEASE and command.operation == "release_session":
        return REASON
    if command.tenant_id == SLOW_ISSUE and command.operation == "issue":
        time.sleep(WINDOW_S)
    return None
