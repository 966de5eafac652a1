"""Small SQL helpers shared by the relay, the delivery log and the jobs."""

from __future__ import annotations

from voucher_engine.storage.statements import insert_or_skip


def clip(text: str | None, limit: int = 1024) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["clip", "insert_or_skip"]
