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
from voucher_engine.engine.status import EngineFigures, PoolLevel, SchemaStatus
from voucher_engine.engine.voucher_jobs import VoucherJob
from voucher_engine.storage.database import DatabaseSettings

__all__ = [
    "DEFAULT_URL",
    "CampaignIssue",
    "CodesAdded",
    "DatabaseSettings",
    "Engine",
    "EngineConfig",
    "EngineFigures",
    "ExportedCode",
    "HistoryLine",
    "HoldResult",
    "IssuedCode",
    "Movement",
    "PoolLevel",
    "PoolStatus",
    "SchemaStatus",
    "StoredEvent",
    "VoucherJob",
]
