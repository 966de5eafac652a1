"""The engine against a model: Hypothesis drives a real Engine (a SQLite file, then PostgreSQL)
and a small pure-Python model with the same commands, and after every step demands that they
agree on balances, ledgers, states, holds, locks and the number of events written.

The model is written from the issue, not from the engine: it never calls engine code to
decide what should happen, only to name the errors it expects. One database serves a whole
test run (creating one per example would dominate the run time); each example gets its own
tenant, so examples cannot see each other's vouchers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from dbsupport import open_engine
from voucher_engine import Engine, ManualClock, Money, State, VoucherKind, VoucherSpec, replay
from voucher_engine.errors import (
    EntryNotFound,
    HoldExpired,
    HoldNotPending,
    IllegalTransition,
    InsufficientFunds,
    InvalidAmount,
    NotLocked,
    VoucherEngineError,
    VoucherLocked,
)

# --- the model ------------------------------------------------------------------------------------

SPENDABLE = {"available", "claimed", "ready", "partially_redeemed"}
REVERSIBLE = {"partially_redeemed", "redeemed"}
FINISHED = {"cancelled", "refunded", "redeemed"}  # little left to do with these
#: action -> (states it may start from, the state it ends in)
MOVES = {
    "claim": ({"available"}, "claimed"),
    "confirm": ({"reserved"}, "confirmed"),
    "fulfil": ({"confirmed"}, "ready"),
    "cancel": ({"available", "claimed", "reserved", "confirmed"}, "cancelled"),
    "request_refund": ({"ready"}, "refund_requested"),
    "refund": ({"refund_requested"}, "refunded"),
}
#: Closing moves take what is left out of the voucher, as one ledger entry of this kind.
CLOSING = {"cancel": "forfeit", "refund": "refund"}
#: Moves refused while a hold is pending: the held funds would have nowhere to go, or (for a
#: refund request) a later capture would spend from a voucher that is no longer spendable.
NOT_WHILE_HELD = {"cancel", "request_refund", "refund"}


@dataclass
class ModelVoucher:
    monetary: bool
    state: str
    available: int
    held: int = 0
    entries: list[str] = field(default_factory=lambda: ["issue"])  # ledger kinds; seq = index + 1
    returnable: dict[int, int] = field(default_factory=dict)  # seq of a spend -> not yet given back
    locked_until: datetime | None = None
    lock_code: str | None = None
    holder: str | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def spend_refusal(self, units: int, now: datetime, locking_code: str | None) -> type | None:
        if self.locked(now) and (self.lock_code is None or locking_code != self.lock_code):
            return VoucherLocked
        if self.state not in SPENDABLE:
            return IllegalTransition
        if units > self.available:
            return InsufficientFunds
        return None

    def may(self, action: str) -> bool:
        sources, _ = MOVES[action]
        return self.state in sources and not (action in NOT_WHILE_HELD and self.held)

    def write(self, kind: str) -> int:
        self.entries.append(kind)
        return len(self.entries)

    def after_spending(self) -> None:
        self.state = "redeemed" if self.available == 0 and self.held == 0 else "partially_redeemed"


@dataclass
class ModelHold:
    voucher_id: str
    amount: int
    expires_at: datetime
    state: str = "pending"
    captured: int = 0


# --- the machine ----------------------------------------------------------------------------------

_tenant_numbers = itertools.count(1)


class EngineVersusModel(RuleBasedStateMachine):
    """Bound to one engine and clock per test run by ``bound_to``.

    Rules that take a voucher or a hold also take ``retarget``: when true, the rule acts on
    one for which it is legal, if there is one. Uniform choice alone mostly tries moves on
    vouchers that cannot take them, and rarely reaches deep paths such as reserved ->
    confirmed -> ready -> held -> refund requested.
    """

    engine: Engine
    clock: ManualClock

    vouchers = Bundle("vouchers")
    holds = Bundle("holds")

    @classmethod
    def bound_to(cls, engine: Engine, clock: ManualClock) -> type[EngineVersusModel]:
        return type(cls.__name__, (cls,), {"engine": engine, "clock": clock})

    def __init__(self) -> None:
        super().__init__()
        # Earlier examples left pending holds in this database (every ttl here is at most
        # 600 s): move past them and sweep, so this example's sweep counts only its own holds.
        self.clock.advance(timedelta(days=1))
        self.engine.expire_due_holds()
        self.tenant = f"model-{next(_tenant_numbers)}"
        self.engine.create_tenant(self.tenant)
        self.model: dict[str, ModelVoucher] = {}
        self.model_holds: dict[str, ModelHold] = {}
        self.events = 0

    # --- helpers ---

    def expect(self, refusal: type | None, call):
        """Run ``call``; it must succeed (one event) or fail with exactly ``refusal``."""
        if refusal is None:
            result = call()
            self.events += 1
            return result
        try:
            call()
        except VoucherEngineError as error:
            assert type(error) is refusal, f"expected {refusal.__name__}, got {error!r}"
            return None
        raise AssertionError(f"expected {refusal.__name__}, but the engine accepted")

    def pick(self, voucher: str, retarget: bool, usable) -> str:
        if retarget:
            return next((v for v, m in self.model.items() if usable(m)), voucher)
        return voucher

    def amount(self, voucher_id: str, units: int) -> Money | int:
        return Money(units, "EUR") if self.model[voucher_id].monetary else units

    @staticmethod
    def draw_units(data, m: ModelVoucher) -> int:
        # Up to two past the balance, so over-spends are as common as exact spends.
        return data.draw(st.integers(1, m.available + 2), label="units")

    # --- issuing and spending ---

    # A few live vouchers at a time, so the steps go deep into each one's life rather than wide.
    @precondition(lambda self: sum(m.state not in FINISHED for m in self.model.values()) < 3)
    @rule(
        target=vouchers,
        kind=st.sampled_from(["monetary", "multi_use", "single_use"]),
        start=st.sampled_from(["available", "available", "reserved"]),
        data=st.data(),
    )
    def issue(self, kind: str, start: str, data) -> str:
        if kind == "monetary":
            units = data.draw(st.integers(1, 100), label="cents")
            spec = VoucherSpec(VoucherKind.MONETARY, Money(units, "EUR"))
        elif kind == "multi_use":
            units = data.draw(st.integers(1, 4), label="uses")
            spec = VoucherSpec(VoucherKind.MULTI_USE, units)
        else:
            units = 1
            spec = VoucherSpec(VoucherKind.SINGLE_USE)
        voucher = self.expect(None, lambda: self.engine.issue(self.tenant, spec, state=State(start)))
        self.model[voucher.id] = ModelVoucher(monetary=kind == "monetary", state=start, available=units)
        return voucher.id

    @rule(
        voucher=vouchers, retarget=st.booleans(), code=st.sampled_from([None, "basket-1", "basket-2"]), data=st.data()
    )
    def redeem(self, voucher: str, retarget: bool, code: str | None, data) -> None:
        voucher = self.pick(voucher, retarget, lambda m: m.state in SPENDABLE)
        m = self.model[voucher]
        units = self.draw_units(data, m)
        refusal = m.spend_refusal(units, self.clock.now(), code)
        moved = self.expect(
            refusal,
            lambda: self.engine.redeem(
                self.tenant, voucher_id=voucher, amount=self.amount(voucher, units), locking_code=code
            ),
        )
        if moved is None:
            return
        m.available -= units
        m.after_spending()
        m.returnable[m.write("redeem")] = units
        assert (moved.available, moved.seq) == (m.available, len(m.entries))

    @rule(voucher=vouchers, retarget=st.booleans(), data=st.data())
    def reverse(self, voucher: str, retarget: bool, data) -> None:
        voucher = self.pick(voucher, retarget, lambda m: m.state in REVERSIBLE)
        m = self.model[voucher]
        # Any existing seq and one past the end: most are not redemptions at all.
        seq = data.draw(st.integers(1, len(m.entries) + 1), label="seq")
        left = m.returnable.get(seq, 0)
        wanted = data.draw(st.none() | st.integers(1, left + 1), label="give back")
        units = left if wanted is None else wanted
        if m.state not in REVERSIBLE:
            refusal = IllegalTransition
        elif seq not in m.returnable:
            refusal = EntryNotFound
        elif not 0 < units <= left:
            refusal = InvalidAmount
        else:
            refusal = None
        amount = None if wanted is None else self.amount(voucher, wanted)
        if (
            self.expect(refusal, lambda: self.engine.reverse(self.tenant, voucher_id=voucher, seq=seq, amount=amount))
            is None
        ):
            return
        m.available += units
        m.returnable[seq] -= units
        m.state = "partially_redeemed"
        m.write("reverse")

    # --- holds ---

    @rule(
        target=holds,
        voucher=vouchers,
        retarget=st.booleans(),
        ttl=st.integers(1, 600),
        code=st.sampled_from([None, "basket-1"]),
        data=st.data(),
    )
    def hold(self, voucher: str, retarget: bool, ttl: int, code: str | None, data):
        voucher = self.pick(voucher, retarget, lambda m: m.state in SPENDABLE and m.available)
        m = self.model[voucher]
        units = self.draw_units(data, m)
        now = self.clock.now()
        refusal = m.spend_refusal(units, now, code)
        held = self.expect(
            refusal,
            lambda: self.engine.hold(
                self.tenant,
                voucher_id=voucher,
                amount=self.amount(voucher, units),
                ttl=timedelta(seconds=ttl),
                locking_code=code,
            ),
        )
        if held is None:
            return multiple()
        # A hold only sets funds aside: the voucher's state changes when they are spent.
        m.available -= units
        m.held += units
        m.write("hold")
        self.model_holds[held.hold_id] = ModelHold(voucher, units, now + timedelta(seconds=ttl))
        return held.hold_id

    def pick_hold(self, hold: str, retarget: bool) -> str:
        if retarget:
            now = self.clock.now()
            return next((k for k, h in self.model_holds.items() if h.state == "pending" and now < h.expires_at), hold)
        return hold

    @rule(hold=holds, retarget=st.booleans(), data=st.data())
    def capture(self, hold: str, retarget: bool, data) -> None:
        hold = self.pick_hold(hold, retarget)
        h = self.model_holds[hold]
        m = self.model[h.voucher_id]
        # None captures everything; one past the hold must be refused.
        wanted = data.draw(st.none() | st.integers(1, h.amount + 1), label="capture")
        captured = h.amount if wanted is None else wanted
        if h.state != "pending":
            refusal = HoldNotPending
        elif captured > h.amount:
            refusal = InvalidAmount
        elif self.clock.now() >= h.expires_at:
            refusal = HoldExpired
        else:
            refusal = None
        amount = None if wanted is None else self.amount(h.voucher_id, wanted)
        if self.expect(refusal, lambda: self.engine.capture(self.tenant, hold, amount=amount)) is None:
            return
        h.state, h.captured = "captured", captured
        m.held -= h.amount
        m.available += h.amount - captured  # the uncaptured rest goes back
        m.after_spending()
        m.returnable[m.write("capture")] = captured

    @rule(hold=holds, retarget=st.booleans())
    def release(self, hold: str, retarget: bool) -> None:
        hold = self.pick_hold(hold, retarget)
        h = self.model_holds[hold]
        refusal = HoldNotPending if h.state != "pending" else None
        if self.expect(refusal, lambda: self.engine.release(self.tenant, hold)) is None:
            return
        h.state = "released"
        m = self.model[h.voucher_id]
        m.held -= h.amount
        m.available += h.amount
        m.write("release")

    def waiting_for_time(self) -> bool:
        now = self.clock.now()
        return any(h.state == "pending" for h in self.model_holds.values()) or any(
            m.locked(now) for m in self.model.values()
        )

    # Only when time would change something: otherwise this rule, the one always runnable,
    # crowds out the others in the examples where Hypothesis switches rules off.
    @precondition(waiting_for_time)
    @rule(seconds=st.integers(1, 900))
    def advance_clock_and_expire_holds(self, seconds: int) -> None:
        now = self.clock.advance(seconds)
        due = [h for h in self.model_holds.values() if h.state == "pending" and h.expires_at <= now]
        assert self.engine.expire_due_holds() == len(due)
        self.events += len(due)
        for h in due:
            h.state = "expired"
            m = self.model[h.voucher_id]
            m.held -= h.amount
            m.available += h.amount
            m.write("expire_hold")

    # --- locks ---

    @rule(voucher=vouchers, seconds=st.sampled_from([120, 300, 3600]), code=st.sampled_from([None, "basket-1"]))
    def lock(self, voucher: str, seconds: int, code: str | None) -> None:
        m = self.model[voucher]
        now = self.clock.now()
        if m.locked(now):
            refusal = VoucherLocked
        elif m.state not in SPENDABLE:
            refusal = IllegalTransition
        else:
            refusal = None
        if (
            self.expect(
                refusal,
                lambda: self.engine.lock(
                    self.tenant, voucher_id=voucher, period=timedelta(seconds=seconds), locking_code=code
                ),
            )
            is None
        ):
            return
        m.locked_until, m.lock_code = now + timedelta(seconds=seconds), code

    @rule(voucher=vouchers, code=st.sampled_from([None, "basket-1", "basket-2"]))
    def unlock(self, voucher: str, code: str | None) -> None:
        m = self.model[voucher]
        if not m.locked(self.clock.now()):
            refusal = NotLocked
        elif m.lock_code is not None and code != m.lock_code:
            refusal = VoucherLocked
        else:
            refusal = None
        if self.expect(refusal, lambda: self.engine.unlock(self.tenant, voucher_id=voucher, locking_code=code)) is None:
            return
        m.locked_until = m.lock_code = None

    # --- lifecycle moves: one rule each, each also tried where it is illegal ---

    def move(self, voucher: str, retarget: bool, action: str) -> None:
        voucher = self.pick(voucher, retarget, lambda m: m.may(action))
        m = self.model[voucher]
        extra = {"holder": "customer-1"} if action == "claim" else {}
        call = getattr(self.engine, action)
        # The same holder claiming a voucher it still holds is answered unchanged.
        if action == "claim" and m.holder == "customer-1" and m.state in SPENDABLE:
            assert call(self.tenant, voucher_id=voucher, **extra).state.value == m.state  # no event
            return
        if (
            self.expect(
                None if m.may(action) else IllegalTransition, lambda: call(self.tenant, voucher_id=voucher, **extra)
            )
            is None
        ):
            return
        if action == "claim":
            m.holder = "customer-1"
        m.state = MOVES[action][1]
        if action in CLOSING and m.available:
            m.available = 0
            m.write(CLOSING[action])

    @rule(voucher=vouchers, retarget=st.booleans())
    def claim(self, voucher: str, retarget: bool) -> None:
        self.move(voucher, retarget, "claim")

    @rule(voucher=vouchers, retarget=st.booleans())
    def confirm(self, voucher: str, retarget: bool) -> None:
        self.move(voucher, retarget, "confirm")

    @rule(voucher=vouchers, retarget=st.booleans())
    def fulfil(self, voucher: str, retarget: bool) -> None:
        self.move(voucher, retarget, "fulfil")

    @rule(voucher=vouchers, retarget=st.booleans())
    def cancel(self, voucher: str, retarget: bool) -> None:
        self.move(voucher, retarget, "cancel")

    @rule(voucher=vouchers, retarget=st.booleans())
    def request_refund(self, voucher: str, retarget: bool) -> None:
        self.move(voucher, retarget, "request_refund")

    @rule(voucher=vouchers, retarget=st.booleans())
    def refund(self, voucher: str, retarget: bool) -> None:
        self.move(voucher, retarget, "refund")

    # --- invariants, checked after every step ---

    @invariant()
    def one_event_per_accepted_command(self) -> None:
        assert self.engine.outbox_size(self.tenant) == self.events

    @invariant()
    def vouchers_agree_with_the_model(self) -> None:
        now = self.clock.now()
        for voucher_id, m in self.model.items():
            stored = self.engine.get_voucher(self.tenant, voucher_id=voucher_id)
            assert (stored.state.value, stored.available, stored.held) == (m.state, m.available, m.held)
            assert stored.available >= 0 and stored.held >= 0
            assert stored.is_locked(now) == m.locked(now)
            ledger = self.engine.ledger(self.tenant, voucher_id=voucher_id)
            assert [e.seq for e in ledger] == list(range(1, len(ledger) + 1))
            assert [e.kind.value for e in ledger] == m.entries
            assert stored.seq == len(ledger)
            balance = replay(ledger)
            assert (balance.available, balance.held) == (stored.available, stored.held)

    @invariant()
    def holds_agree_with_the_model(self) -> None:
        for hold_id, h in self.model_holds.items():
            stored = self.engine.get_hold(self.tenant, hold_id)
            assert (stored.state.value, stored.amount, stored.captured) == (h.state, h.amount, h.captured)


# --- the test -------------------------------------------------------------------------------------

# Sized for roughly 30-60 s per backend on this machine; derandomized so every run tries the
# same sequences and a failure reproduces.
RUN_SETTINGS = {
    "sqlite": {"max_examples": 30, "stateful_step_count": 80},
    "postgresql": {"max_examples": 12, "stateful_step_count": 80},
}


@pytest.mark.slow
def test_engine_agrees_with_the_model(backend: str, database_url: str) -> None:
    clock = ManualClock()
    engine = open_engine(database_url, clock)
    try:
        run_state_machine_as_test(
            EngineVersusModel.bound_to(engine, clock),
            settings=settings(
                **RUN_SETTINGS[backend],
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        engine.close()
