"""The lifecycle table, checked against an independent statement of it (the spec below)."""

from itertools import product

import pytest

from voucher_engine.domain.lifecycle import (
    TERMINAL,
    Action,
    State,
    redemption_target,
    require,
    sources,
    targets,
    transition,
)
from voucher_engine.errors import IllegalTransition

S, A = State, Action
SPENDABLE = {S.AVAILABLE, S.CLAIMED, S.READY, S.PARTIALLY_REDEEMED}

#: (action, from) -> the states it may end in. Every pair not listed must be refused.
ALLOWED: dict[tuple[Action, State], set[State]] = {
    (A.CLAIM, S.AVAILABLE): {S.CLAIMED},
    (A.CONFIRM, S.RESERVED): {S.CONFIRMED},
    (A.FULFIL, S.CONFIRMED): {S.READY},
    **{(A.REDEEM, s): {S.PARTIALLY_REDEEMED, S.REDEEMED} for s in SPENDABLE},
    # A redemption at a stated time inside the window of a voucher that expired since.
    (A.REDEEM_LATE, S.EXPIRED): {S.PARTIALLY_REDEEMED, S.REDEEMED},
    **{(A.REVERSE, s): {S.PARTIALLY_REDEEMED} for s in (S.PARTIALLY_REDEEMED, S.REDEEMED)},
    **{(A.CANCEL, s): {S.CANCELLED} for s in (S.AVAILABLE, S.CLAIMED, S.RESERVED, S.CONFIRMED)},
    **{(A.EXPIRE, s): {S.EXPIRED} for s in SPENDABLE | {S.RESERVED, S.CONFIRMED}},
    (A.REQUEST_REFUND, S.READY): {S.REFUND_REQUESTED},
    (A.REFUND, S.REFUND_REQUESTED): {S.REFUNDED},
}


@pytest.mark.parametrize(("action", "state"), list(product(Action, State)))
def test_every_action_from_every_state(action, state):
    allowed = ALLOWED.get((action, state), set())
    for target in State:
        if target in allowed:
            assert transition(state, action, target) is target
        else:
            with pytest.raises(IllegalTransition) as refused:
                transition(state, action, target)
            assert refused.value.details == {"action": action.value, "state": state.value}
    if allowed:
        require(state, action)
        assert state in sources(action)
        assert allowed == set(targets(action))
    else:
        with pytest.raises(IllegalTransition, match=f"cannot {action.value}"):
            require(state, action)
        assert state not in sources(action)


def test_issue_starts_from_nothing_only():
    for target in (S.AVAILABLE, S.CLAIMED, S.RESERVED):
        assert transition(None, A.ISSUE, target) is target
    for target in set(State) - {S.AVAILABLE, S.CLAIMED, S.RESERVED}:
        with pytest.raises(IllegalTransition):
            transition(None, A.ISSUE, target)
    for action in set(Action) - {A.ISSUE}:
        with pytest.raises(IllegalTransition, match="that is new"):
            transition(None, action, next(iter(targets(action))))
    assert sources(A.ISSUE) == frozenset()


def test_terminal_states_accept_no_action():
    # Not EXPIRED: a late redemption (at a stated time inside its window) may still use it.
    assert {S.CANCELLED, S.REFUNDED} == TERMINAL
    for state, action in product(TERMINAL, Action):
        with pytest.raises(IllegalTransition):
            require(state, action)


@pytest.mark.parametrize(
    ("available", "held", "state"),
    [(0, 0, S.REDEEMED), (1, 0, S.PARTIALLY_REDEEMED), (0, 1, S.PARTIALLY_REDEEMED), (5, 5, S.PARTIALLY_REDEEMED)],
)
def test_redemption_target_counts_held_funds_as_left(available, held, state):
    assert redemption_target(available, held) is state
