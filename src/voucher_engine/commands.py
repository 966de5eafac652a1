"""What the veto hook sees of a command before it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Command:
    tenant_id: str
    operation: str  # "redeem", "hold", "pop_code", ...
    request: dict[str, Any] = field(default_factory=dict)
    scope: str = ""  # the calling client, when a provider passes one
