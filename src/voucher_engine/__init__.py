"""voucher-engine: an embeddable voucher engine (ledger, code pools, holds and locks, a
voucher lifecycle) that provider plugins shape into partners' APIs.

The public API a host or a plugin imports is what this module exports.
"""

from voucher_engine.clock import Clock, ManualClock, SystemClock, TimeOrderedIds
from voucher_engine.domain.campaigns import Campaign
from voucher_engine.domain.catalog import Offer, Quote, Store
from voucher_engine.domain.codes import CodeFormat
from voucher_engine.domain.holds import HoldState, LockPolicy
from voucher_engine.domain.ledger import Entry, EntryKind, replay
from voucher_engine.domain.lifecycle import Action, State
from voucher_engine.domain.members import Member
from voucher_engine.domain.money import Money
from voucher_engine.domain.sessions import SpendingSession
from voucher_engine.domain.validity import Window, WindowSpec
from voucher_engine.domain.vouchers import Voucher, VoucherKind, VoucherRef, VoucherSpec
from voucher_engine.engine import (
    CampaignIssue,
    CodesAdded,
    DatabaseSettings,
    Engine,
    EngineConfig,
    HistoryLine,
    HoldResult,
    IssuedCode,
    Movement,
    PoolStatus,
    VoucherJob,
)

__version__ = "0.1.0"

__all__ = [
    "Action",
    "Campaign",
    "CampaignIssue",
    "Clock",
    "CodeFormat",
    "CodesAdded",
    "DatabaseSettings",
    "Engine",
    "EngineConfig",
    "Entry",
    "EntryKind",
    "HistoryLine",
    "HoldResult",
    "HoldState",
    "IssuedCode",
    "LockPolicy",
    "ManualClock",
    "Member",
    "Money",
    "Movement",
    "Offer",
    "PoolStatus",
    "Quote",
    "SpendingSession",
    "State",
    "Store",
    "SystemClock",
    "TimeOrderedIds",
    "Voucher",
    "VoucherJob",
    "VoucherKind",
    "VoucherRef",
    "VoucherSpec",
    "Window",
    "WindowSpec",
    "replay",
]
