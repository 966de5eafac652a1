"""Deliberately broken variants of the engine's racy operations: each reads in one
transaction and writes what it read in another, the bug the engine's conditional UPDATEs
exist to prevent. The ``test_harness_detects_*`` tests run the same harnesses as the real
concurrency tests against these and assert the harness reports the damage; a harness that
passed these would prove nothing about the engine.

Never import this outside tests/concurrency.
"""

from __future__ import annotations

import time

from sqlalchemy import insert, select, update

from dbsupport import database_of
from voucher_engine import Engine, EngineConfig, HoldResult, HoldState, Money, Movement, State
from voucher_engine.domain import lifecycle
from voucher_engine.domain.ledger import EntryKind
from voucher_engine.domain.lifecycle import Action
from voucher_engine.engine import codec
from voucher_engine.errors import AlreadyExists, HoldExpired, HoldNotPending, InsufficientFunds, PoolDepleted
from voucher_engine.storage.link import Link
from voucher_engine.storage.tables import (
    POOL_LANES,
    holds,
    idempotency_keys,
    ledger_entries,
    pool_codes,
    pool_lanes,
    pools,
    vouchers,
)

TENANT = "acme"
#: ON PURPOSE: widens the gap between the read and the write so that the race these variants
#: lose is lost on every run, not only on an unlucky one. The correct engine has no such gap.
RACE_WINDOW_S = 0.05
V = vouchers.c


def _ledger_row(voucher_id: str, seq: int, kind: EntryKind, now, **deltas) -> dict:
    return {
        "tenant_id": TENANT,
        "voucher_id": voucher_id,
        "seq": seq,
        "kind": kind.value,
        "available_delta": deltas.get("available_delta", 0),
        "held_delta": deltas.get("held_delta", 0),
        "spent": deltas.get("spent", 0),
        "reference": None,
        "hold_id": deltas.get("hold_id"),
        "store": None,
        "reverses_seq": None,
        "created_at": now,
        "effective_at": now,
    }


def read_then_write_redeem(engine: Engine, code: str, amount: Money | None) -> Movement:
    """Redeem by reading the balance, checking it in Python, then writing the new balance
    back unconditionally: every spender that read before the first write commits wins."""
    voucher = engine.get_voucher(TENANT, code=code)  # transaction 1: the read
    lifecycle.require(voucher.state, Action.REDEEM)
    units = voucher.units_of(amount)
    if voucher.available < units:
        raise InsufficientFunds(f"{units} requested, {voucher.available} available")
    new_available = voucher.available - units
    state = State.REDEEMED if new_available == 0 and voucher.held == 0 else State.PARTIALLY_REDEEMED
    time.sleep(RACE_WINDOW_S)  # ON PURPOSE, see RACE_WINDOW_S
    now = engine.clock.now()
    with database_of(engine).write() as link:  # transaction 2: the write, without "WHERE available >= :units"
        # The seq is taken from the row (seq + 1), so the ledger's UNIQUE (voucher, seq) does
        # not refuse the duplicates: what is lost is the balance, exactly the bug under test.
        seq = link.sql.execute(
            update(vouchers)
            .where(V.id == voucher.id)
            .values(available=new_available, state=state.value, seq=V.seq + 1, updated_at=now)
            .returning(V.seq)
        ).scalar_one()
        link.sql.execute(
            insert(ledger_entries),
            _ledger_row(
                voucher.id,
                seq,
                EntryKind.REDEEM,
                now,
                available_delta=-units,
                spent=units,
            ),
        )
    return Movement(voucher.id, code, seq, units, new_available, voucher.held, state, voucher.currency, now)


def read_then_write_pop(engine: Engine, pool_id: str) -> str:
    """Pop by reading the pool's lanes, then writing ``cursor = :read + 1`` to the lane with
    the lowest next code: two poppers that read the same lane hand out the same code.

    It does not write ``pool_issues``: its UNIQUE (pool, code) would refuse the second copy of
    a code, which is the schema's last line of defence, not the harness's detection at work.
    """
    P, C, L = pools.c, pool_codes.c, pool_lanes.c
    with database_of(engine).read() as conn:  # transaction 1: the read
        size = conn.execute(select(P.size).where(P.tenant_id == TENANT, P.id == pool_id)).scalar_one()
        lanes = conn.execute(select(L.lane, L.cursor).where(L.tenant_id == TENANT, L.pool_id == pool_id)).all()
        seq, lane, cursor = min((c * POOL_LANES + n + 1, n, c) for n, c in lanes)
        if seq > size:
            raise PoolDepleted(f"pool {pool_id!r} has no codes left")
        code = conn.execute(
            select(C.code).where(C.tenant_id == TENANT, C.pool_id == pool_id, C.seq == seq)
        ).scalar_one()
    time.sleep(RACE_WINDOW_S / 10)  # ON PURPOSE, see RACE_WINDOW_S (shorter: there are many pops)
    with database_of(engine).write() as link:  # transaction 2: the write, without "WHERE cursor = :read"
        link.sql.execute(
            update(pool_lanes)
            .where(L.tenant_id == TENANT, L.pool_id == pool_id, L.lane == lane)
            .values(cursor=cursor + 1)
        )
    return code


def read_then_write_capture(engine: Engine, hold_id: str) -> HoldResult:
    """Capture by checking the hold is pending in one transaction, then marking it captured
    and writing the voucher's ``held`` as read minus the hold in another: an expiry that
    commits in between is overwritten, and both sides think they settled the hold."""
    hold = engine.get_hold(TENANT, hold_id)  # transaction 1: the read
    if hold.state is not HoldState.PENDING:
        raise HoldNotPending(f"the hold is already {hold.state.value}", state=hold.state.value)
    if hold.expires_at <= engine.clock.now():
        raise HoldExpired("the hold has expired")
    voucher = engine.get_voucher(TENANT, voucher_id=hold.voucher_id)
    time.sleep(RACE_WINDOW_S)  # ON PURPOSE, see RACE_WINDOW_S
    now = engine.clock.now()
    H = holds.c
    with database_of(engine).write() as link:  # transaction 2: the write, without "WHERE state = 'pending'"
        link.sql.execute(
            update(holds)
            .where(H.id == hold_id)
            .values(
                state=HoldState.CAPTURED.value,
                captured=hold.amount,
                resolved_at=now,
            )
        )
        seq = link.sql.execute(
            update(vouchers)
            .where(V.id == voucher.id)
            .values(held=voucher.held - hold.amount, seq=V.seq + 1, updated_at=now)
            .returning(V.seq)
        ).scalar_one()
        link.sql.execute(
            insert(ledger_entries),
            _ledger_row(
                voucher.id,
                seq,
                EntryKind.CAPTURE,
                now,
                held_delta=-hold.amount,
                spent=hold.amount,
                hold_id=hold_id,
            ),
        )
    return HoldResult(
        hold_id,
        voucher.id,
        hold.amount,
        hold.amount,
        HoldState.CAPTURED,
        hold.expires_at,
        voucher.available,
        voucher.held - hold.amount,
        voucher.state,
    )


def check_then_act_idempotent_redeem(engine: Engine, code: str, amount: Money | None, key: str) -> Movement:
    """Honour an idempotency key by looking it up in one transaction and doing the effect in
    another: every retry that looks before the first one saves its result redeems again."""
    K = idempotency_keys.c
    with database_of(engine).read() as conn:  # transaction 1: the look-up
        saved = conn.execute(select(K.response).where(K.tenant_id == TENANT, K.scope == "", K.key == key)).scalar()
    if saved is not None:
        return codec.load(saved, Movement)
    time.sleep(RACE_WINDOW_S)  # ON PURPOSE, see RACE_WINDOW_S
    movement = engine.redeem(TENANT, code=code, amount=amount)  # transaction 2: the effect
    try:
        with database_of(engine).write() as link:  # transaction 3: remembering the key, too late
            link.sql.execute(
                insert(idempotency_keys),
                {
                    "tenant_id": TENANT,
                    "scope": "",
                    "key": key,
                    "operation": "redeem",
                    "request_hash": "",
                    "response": codec.dump(movement),
                    "created_at": movement.at,
                },
            )
    except AlreadyExists:
        pass
    return movement


def open_deferred_engine(url: str) -> Engine:
    """An engine whose SQLite write transactions start with a plain (deferred) ``BEGIN``.

    Every command reads before it writes, so in a deferred transaction the first write must
    upgrade a read snapshot to the write lock; SQLite refuses that at once with "database is
    locked" when another process wrote since the snapshot, whatever the busy timeout. Retries
    are off so the refusals surface instead of being retried away by luck.
    """
    engine = Engine.open(url, config=EngineConfig(auto_migrate=False, conflict_retries=0))
    db = database_of(engine)

    def deferred_begin(link: Link, _max_wait_s: float | None) -> None:
        # Database._begin with a plain BEGIN where it sends BEGIN IMMEDIATE.
        link.raw.execute("BEGIN")

    db._begin = deferred_begin
    return engine
