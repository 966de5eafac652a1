"""Holders racing for vouchers: the database decides who gets each one (issue #10).

- 16 batches claim overlapping sets of vouchers, each for its own holder, half of them also
  locking: every voucher ends with exactly one holder, and a batch got all of its vouchers or
  none (no batch half applied).
- 16 lockers on one voucher: exactly one lock.
- 16 puts of one member: one member, all callers told its id.
- 16 issues with one third-party id: one voucher carries it.

The engines here never retry a conflict (``conflict_retries=0``), so a deadlock between two
batches (row locks taken in different orders) surfaces as an error instead of a retry.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from harness import TENANT, race

from dbsupport import open_engine
from voucher_engine import Money, State, VoucherKind, VoucherRef, VoucherSpec
from voucher_engine.domain.hashing import fingerprint
from voucher_engine.errors import HeldByAnother, ThirdPartyIdInUse, VoucherLocked

WORKERS = 16
VOUCHERS = 8
ROUNDS = 3


@pytest.fixture
def strict(engine, database_url, clock):
    """A second engine on the same (migrated) database that surfaces every conflict."""
    eng = open_engine(database_url, clock, conflict_retries=0)
    yield eng
    eng.close()


def _batch(i: int) -> list[int]:
    """Worker i's vouchers: three of eight, overlapping its neighbours', in a scrambled order
    so that unsorted row locking would deadlock."""
    picks = [i % VOUCHERS, (i + 1) % VOUCHERS, (i + 3) % VOUCHERS]
    random.Random(i).shuffle(picks)
    return picks


def test_16_overlapping_claim_batches_never_share_a_voucher_nor_half_apply(strict):
    for round_ in range(ROUNDS):
        codes = [
            strict.issue(TENANT, VoucherSpec(VoucherKind.MONETARY, Money.parse("5.00", "EUR"))).code
            for _ in range(VOUCHERS)
        ]
        holders = [f"r{round_}-holder-{i}" for i in range(WORKERS)]

        def claim(i: int):
            refs = [VoucherRef(code=codes[n]) for n in _batch(i)]
            if i % 2:
                return strict.claim_vouchers(
                    TENANT,
                    holder=holders[i],
                    vouchers=refs,
                    lock=True,
                    locking_code=f"basket-{i}",
                    lock_period=timedelta(minutes=5),
                )
            return strict.claim_vouchers(TENANT, holder=holders[i], vouchers=refs)

        outcome = race(WORKERS, claim)

        refused = [e for e in outcome.errors if isinstance(e, HeldByAnother | VoucherLocked)]
        assert [e for e in outcome.errors if e not in refused] == []  # no deadlock, no conflict
        assert all(getattr(e, "ref", None) is not None for e in refused)
        after = {code: strict.get_voucher(TENANT, code=code) for code in codes}
        winners = {result[0].holder for result in outcome.results}
        assert len(winners) == len(outcome.results) >= 1
        for i, holder in enumerate(holders):
            mine = {codes[n] for n in _batch(i)}
            got = {code for code in mine if after[code].holder == holder}
            if holder in winners:
                # All of it, and each voucher as returned is what the database kept.
                assert got == mine, (holder, got, mine)
                [result] = [r for r in outcome.results if r[0].holder == holder]
                assert [v.code for v in result] == [codes[n] for n in _batch(i)]
                assert all(after[v.code].holder == holder and after[v.code].state is State.CLAIMED for v in result)
                if i % 2:
                    assert {after[c].lock_code_hash for c in mine} == {fingerprint(f"basket-{i}")}
            else:
                assert got == set(), (holder, got)  # nothing of it
        # Winners' sets are disjoint, and every voucher a winner took has exactly one claim.
        taken = [code for i, h in enumerate(holders) if h in winners for code in (codes[n] for n in _batch(i))]
        assert len(taken) == len(set(taken))
        claimed_events = Counter(
            e.payload["code"] for e in strict.events(TENANT, type="voucher.claimed") if e.payload["code"] in codes
        )
        assert claimed_events == Counter(taken)
        assert {c for c in codes if after[c].holder is not None} == set(taken)


def test_16_lockers_of_one_voucher_exactly_one_wins(strict, clock):
    for round_ in range(ROUNDS):
        code = strict.issue(TENANT, VoucherSpec(VoucherKind.SINGLE_USE)).code

        outcome = race(WORKERS, lambda i: strict.lock(TENANT, code=code, locking_code=f"basket-{i}"))

        assert len(outcome.results) == 1, f"round {round_}: {len(outcome.results)} locks"
        assert len(outcome.errors) == WORKERS - 1
        assert all(isinstance(e, VoucherLocked) for e in outcome.errors)
        [winner] = outcome.results
        stored = strict.get_voucher(TENANT, code=code)
        assert stored.lock_code_hash == winner.lock_code_hash
        assert stored.locked_until == winner.locked_until == clock.now() + timedelta(minutes=5)
        assert len([e for e in strict.events(TENANT, type="voucher.locked") if e.subject_id == stored.id]) == 1


def test_16_puts_of_one_new_member_make_one_member(strict):
    for round_ in range(ROUNDS):
        identifiers = {"username": f"ann-{round_}", "member_number": f"M-{round_}"}

        outcome = race(WORKERS, lambda i: strict.put_member(TENANT, identifiers))

        assert outcome.errors == []
        assert len({m.id for m in outcome.results}) == 1
        member = strict.find_member(TENANT, identifiers={"username": f"ann-{round_}"})
        assert {m.id for m in outcome.results} == {member.id}
        assert member.identifiers == identifiers
        created = [e for e in strict.events(TENANT, type="member.created") if e.payload["member_id"] == member.id]
        assert len(created) == 1
    assert len(strict.events(TENANT, type="member.created")) == ROUNDS


def test_16_issues_with_one_third_party_id_leave_it_on_one_voucher(strict):
    spec = VoucherSpec(VoucherKind.SINGLE_USE, third_party_id="crm-42")

    outcome = race(WORKERS, lambda i: strict.issue(TENANT, spec))

    assert len(outcome.results) == 1
    assert len(outcome.errors) == WORKERS - 1
    assert all(isinstance(e, ThirdPartyIdInUse) for e in outcome.errors)
    assert strict.get_voucher(TENANT, third_party_id="crm-42").id == outcome.results[0].id
    assert len(strict.events(TENANT, type="voucher.issued")) == 1


def test_16_parallel_issues_get_16_distinct_public_ids(strict):
    outcome = race(WORKERS, lambda i: strict.issue(TENANT, VoucherSpec(VoucherKind.SINGLE_USE)))

    assert outcome.errors == []
    given = sorted(v.public_id for v in outcome.results)
    assert len(set(given)) == WORKERS and given[0] >= 1
    assert sorted(strict.get_voucher(TENANT, voucher_id=v.id).public_id for v in outcome.results) == given
    for voucher in outcome.results:
        assert strict.get_voucher(TENANT, public_id=voucher.public_id).id == voucher.id
