"""The hot commands of the engine's tests that count what each one costs (test_links.py,
test_python_frames.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from voucher_engine import Engine
from voucher_engine.domain.money import Money
from voucher_engine.domain.vouchers import VoucherKind, VoucherSpec

M = TypeVar("M")


@dataclass(frozen=True)
class HotCommands:
    """The commands ``make bench`` times, ready to run on tenant "acme": a pop, an issuance for
    a trigger, a partial and a single-use redemption, a hold and a capture (on ``card``, a
    voucher of 100.00 EUR)."""

    card: str
    operations: dict[str, Callable[[], object]]

    def each_measured(self, measure: Callable[[Callable[[], object]], M]) -> dict[str, M]:
        """Run each command once to warm what it likes, then once more under ``measure``.
        Afterwards ``card`` has had two redemptions of one cent and three holds of five,
        two of them captured."""
        measured = {}
        for name, operation in self.operations.items():
            operation()
            if name == "capture":
                self.operations["hold"]()  # the measured capture's hold
            measured[name] = measure(operation)
        return measured

    @classmethod
    def on(cls, engine: Engine) -> HotCommands:
        tenant = "acme"
        engine.create_pool(tenant, "p")
        engine.add_codes(tenant, "p", [f"C{i:03d}" for i in range(10)])
        engine.put_campaign(tenant, "c", name="C", pool_id="p", trigger_categories=["shoes"], distributors=["d1"])
        card = engine.issue(tenant, VoucherSpec(VoucherKind.MONETARY, Money(10_000, "EUR"))).code
        tickets = [engine.issue(tenant, VoucherSpec(VoucherKind.SINGLE_USE)).code for _ in range(2)]
        held: list[str] = []
        operations: dict[str, Callable[[], object]] = {
            "pop": lambda: engine.pop_code(tenant, "p"),
            "issue_for_trigger": lambda: engine.issue_for_trigger(tenant, category="shoes", distributor="d1"),
            "redeem": lambda: engine.redeem(tenant, code=card, amount=Money(1, "EUR")),
            "redeem single use": lambda: engine.redeem(tenant, code=tickets.pop()),
            "hold": lambda: held.append(engine.hold(tenant, code=card, amount=Money(5, "EUR")).hold_id),
            "capture": lambda: engine.capture(tenant, held.pop()),
        }
        return cls(card, operations)
