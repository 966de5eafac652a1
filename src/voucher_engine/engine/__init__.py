"""The engine facade and what its operations return."""

from voucher_engine.engine.base import EngineConfig
from voucher_engine.engine.engine import DEFAULT_URL, Engine
from voucher_engine.engine.results import (
    CampaignIssue,
    CodesAdded,
    ExportedCode,
    HistoryLine,
    HoldResult,
    IssuedCode,
    Movement,
    PoolStatus,
    StoredEvent,
)

__all__ = [
    "DEFAULT_URL", "CampaignIssue", "CodesAdded", "Engine", "EngineConfig", "ExportedCode",
    "HistoryLine", "HoldResult", "IssuedCode", "Movement", "PoolStatus", "StoredEvent",
]
