"""The body of a webhook: one outbox event, in the Standard Webhooks payload shape.

Built from the outbox row alone, with sorted keys, so every attempt sends the same bytes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def event_body(event_id: str, event_type: str, created_at: datetime, payload: dict[str, Any]) -> bytes:
    document = {
        "id": event_id,
        "type": event_type,
        "timestamp": created_at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "data": payload,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
