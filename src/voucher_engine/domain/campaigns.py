"""Campaigns: a pool, a window, the triggers and distributors they answer, and caps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voucher_engine.domain.validity import Window


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    tenant_id: str
    name: str
    pool_id: str | None
    window: Window
    trigger_categories: frozenset[str]
    distributors: frozenset[str]
    priority: int = 0
    cap: int | None = None
    issued: int = 0
    template: dict[str, Any] | None = None

    def is_active(self, at: datetime) -> bool:
        return self.window.contains(at)

    def matches(self, *, category: str, distributor: str, at: datetime) -> bool:
        return (
            self.is_active(at)
            and category in self.trigger_categories
            and distributor in self.distributors
            and (self.cap is None or self.issued < self.cap)
        )


def match_order(campaign: Campaign) -> tuple[int, bool, datetime, str]:
    """The documented rule: higher priority first, then the one ending soonest, then by id.

    Ending soonest first spends codes that would otherwise expire unused; the id makes the
    order total, so two servers always pick the same campaign.
    """
    end = campaign.window.end
    return (-campaign.priority, end is None, end or datetime.max, campaign.id)


def matching(campaigns: Iterable[Campaign], *, category: str, distributor: str, at: datetime) -> list[Campaign]:
    found = [c for c in campaigns if c.matches(category=category, distributor=distributor, at=at)]
    return sorted(found, key=match_order)
