"""The voucher lifecycle as one declarative table.

Storage builds its conditional ``WHERE state IN (...)`` clauses from ``sources(action)``, so the
table below is the single place that says which state changes exist.

Locks and holds are deliberately *not* states: both end by the passing of time, and time cannot
change a stored state without a write. They live beside the state (``locked_until``, the
``held`` balance), so an expired lock needs no sweeper and cannot race one.
"""

from __future__ import annotations

from enum import StrEnum

from voucher_engine.errors import IllegalTransition


class State(StrEnum):
    AVAILABLE = "available"  # issued, redeemable by whoever holds the code
    CLAIMED = "claimed"  # bound to a holder (a user, a customer)
    RESERVED = "reserved"  # chosen from an offer, awaiting the partner's confirmation
    CONFIRMED = "confirmed"  # confirmed, awaiting fulfilment (code, URL, attachment)
    READY = "ready"  # fulfilled and usable
    PARTIALLY_REDEEMED = "partially_redeemed"
    REDEEMED = "redeemed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUND_REQUESTED = "refund_requested"
    REFUNDED = "refunded"


class Action(StrEnum):
    ISSUE = "issue"
    CLAIM = "claim"
    CONFIRM = "confirm"
    FULFIL = "fulfil"
    REDEEM = "redeem"
    REDEEM_LATE = "redeem_late"
    REVERSE = "reverse"
    CANCEL = "cancel"
    EXPIRE = "expire"
    REQUEST_REFUND = "request_refund"
    REFUND = "refund"


_S = State
_SPENDABLE = frozenset({_S.AVAILABLE, _S.CLAIMED, _S.READY, _S.PARTIALLY_REDEEMED})

#: action -> (states it may start from, states it may end in). ``None`` as a source is "not yet
#: issued". Where an action has two targets the balance decides (see ``redemption_target``).
TRANSITIONS: dict[Action, tuple[frozenset[State | None], frozenset[State]]] = {
    Action.ISSUE: (frozenset({None}), frozenset({_S.AVAILABLE, _S.CLAIMED, _S.RESERVED})),
    Action.CLAIM: (frozenset({_S.AVAILABLE}), frozenset({_S.CLAIMED})),
    Action.CONFIRM: (frozenset({_S.RESERVED}), frozenset({_S.CONFIRMED})),
    Action.FULFIL: (frozenset({_S.CONFIRMED}), frozenset({_S.READY})),
    Action.REDEEM: (_SPENDABLE, frozenset({_S.PARTIALLY_REDEEMED, _S.REDEEMED})),
    # A redemption at a stated time inside the validity window of a voucher that has expired
    # since (a purchase made before the expiry, booked after it): what the expiry forfeited is
    # reinstated and spent. Only a stated time may do this; a redemption "now" cannot.
    Action.REDEEM_LATE: (frozenset({_S.EXPIRED}), frozenset({_S.PARTIALLY_REDEEMED, _S.REDEEMED})),
    # Giving back a redemption keeps the voucher in the redemption phase: its history is not
    # erased, and "available" would claim it was never used.
    Action.REVERSE: (
        frozenset({_S.PARTIALLY_REDEEMED, _S.REDEEMED}),
        frozenset({_S.PARTIALLY_REDEEMED}),
    ),
    Action.CANCEL: (
        frozenset({_S.AVAILABLE, _S.CLAIMED, _S.RESERVED, _S.CONFIRMED}),
        frozenset({_S.CANCELLED}),
    ),
    Action.EXPIRE: (_SPENDABLE | {_S.RESERVED, _S.CONFIRMED}, frozenset({_S.EXPIRED})),
    Action.REQUEST_REFUND: (frozenset({_S.READY}), frozenset({_S.REFUND_REQUESTED})),
    Action.REFUND: (frozenset({_S.REFUND_REQUESTED}), frozenset({_S.REFUNDED})),
}

TERMINAL: frozenset[State] = frozenset(s for s in State if not any(s in sources for sources, _ in TRANSITIONS.values()))


def sources(action: Action) -> frozenset[State]:
    """The states ``action`` may start from (for ``WHERE state IN (...)``)."""
    return frozenset(s for s in TRANSITIONS[action][0] if s is not None)


def targets(action: Action) -> frozenset[State]:
    return TRANSITIONS[action][1]


def transition(current: State | None, action: Action, target: State) -> State:
    """Check one state change against the table; return the new state."""
    allowed_from, allowed_to = TRANSITIONS[action]
    if current not in allowed_from or target not in allowed_to:
        raise IllegalTransition(
            f"cannot {action.value} a voucher that is {current.value if current else 'new'}",
            action=action.value,
            state=current.value if current else None,
        )
    return target


def require(current: State, action: Action) -> None:
    """Raise ``IllegalTransition`` unless ``action`` may start from ``current``."""
    if current not in TRANSITIONS[action][0]:
        raise IllegalTransition(
            f"cannot {action.value} a voucher that is {current.value}",
            action=action.value,
            state=current.value,
        )


def redemption_target(available_after: int, held_after: int) -> State:
    """A redemption ends the voucher once nothing is left, held funds included."""
    return _S.REDEEMED if available_after == 0 and held_after == 0 else _S.PARTIALLY_REDEEMED
