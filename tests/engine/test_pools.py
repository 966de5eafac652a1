import re

import pytest

from voucher_engine import CodeFormat, CodesAdded
from voucher_engine.errors import (
    InvalidCodeFormat,
    PoolDepleted,
    PoolNotFound,
    TenantNotFound,
    ValidationError,
)


def test_import_pop_and_export(engine, clock):
    assert engine.create_pool("acme", "p1", name="Spring", low_stock_threshold=2) is True
    assert engine.create_pool("acme", "p1") is False
    assert engine.add_codes("acme", "p1", ["A", " B ", "A", "C"]) == CodesAdded(3, 1)  # "A" twice in one batch
    assert engine.add_codes("acme", "p1", iter(["C", "D"]), batch_size=1) == CodesAdded(1, 1)
    with pytest.raises(InvalidCodeFormat):
        engine.add_codes("acme", "p1", ["E", "F G"])
    status = engine.pool_status("acme", "p1")
    assert (status.name, status.size, status.issued, status.remaining, status.low_stock_threshold) == (
        "Spring",
        4,
        0,
        4,
        2,
    )

    first = engine.pop_code("acme", "p1")
    assert (first.code, first.seq, first.remaining, first.reference) == ("A", 1, 3, None)
    clock.advance(10)
    by_ref = engine.pop_code("acme", "p1", reference="order-9", attributes={"user": "u1"})
    assert (by_ref.code, by_ref.seq, by_ref.remaining, by_ref.issued_at) == ("B", 2, 2, clock.now())
    clock.advance(10)
    assert engine.pop_code("acme", "p1", reference="order-9") == by_ref  # the same code, not a new one
    assert [engine.pop_code("acme", "p1").code for _ in range(2)] == ["C", "D"]
    with pytest.raises(PoolDepleted):
        engine.pop_code("acme", "p1")
    assert engine.pop_code("acme", "p1", reference="order-9").code == "B"
    assert engine.pool_status("acme", "p1").remaining == 0

    [low] = engine.events("acme", type="pool.low_stock")
    assert (low.subject_id, low.payload["remaining"]) == ("p1", 2)
    [depleted] = engine.events("acme", type="pool.depleted")
    assert depleted.payload["size"] == 4
    issued = engine.events("acme", type="pool.code_issued")
    assert [(e.payload["seq"], e.payload["reference"], e.payload["remaining"]) for e in issued] == [
        (1, None, 3),
        (2, "order-9", 2),
        (3, None, 1),
        (4, None, 0),
    ]
    assert [e.payload["added"] for e in engine.events("acme", type="pool.codes_added")] == [3, 1]

    exported = list(engine.export_codes("acme", "p1", batch_size=3))  # more than one page
    assert [(e.seq, e.code, e.reference) for e in exported] == [
        (1, "A", None),
        (2, "B", "order-9"),
        (3, "C", None),
        (4, "D", None),
    ]
    assert exported[1].issued_at == by_ref.issued_at
    assert all(e.issued_at is not None for e in exported)

    engine.create_pool("acme", "fresh")
    assert [e.issued_at for e in engine.export_codes("acme", "fresh")] == []
    engine.add_codes("acme", "fresh", ["Z"])
    assert [(e.code, e.issued_at) for e in engine.export_codes("acme", "fresh")] == [("Z", None)]

    for call in (
        lambda: engine.pop_code("acme", "nope"),
        lambda: engine.add_codes("acme", "nope", ["X"]),
        lambda: engine.pool_status("acme", "nope"),
        lambda: list(engine.export_codes("acme", "nope")),
    ):
        with pytest.raises(PoolNotFound):
            call()
    with pytest.raises(TenantNotFound):
        engine.create_pool("initech", "p1")
    with pytest.raises(ValidationError):
        engine.create_pool("acme", "p2", low_stock_threshold=-1)


def test_generate_codes_and_target_size(engine):
    engine.create_pool("acme", "gen", code_format=CodeFormat("BET-XXX-####"), low_stock_threshold=0)
    assert engine.generate_codes("acme", "gen", 50, batch_size=20) == CodesAdded(50, 0)
    assert engine.target_size("acme", "gen", 60) == CodesAdded(10, 0)
    assert engine.target_size("acme", "gen", 60) == CodesAdded(0, 0)
    assert engine.target_size("acme", "gen", 30) == CodesAdded(0, 0)
    codes = [e.code for e in engine.export_codes("acme", "gen")]
    assert len(codes) == len(set(codes)) == 60
    assert all(re.fullmatch(r"BET-[2-9A-Z]{3}-[0-9]{4}", c) for c in codes)
    assert engine.pop_code("acme", "gen").code == codes[0]

    engine.create_pool("acme", "tiny", code_format=CodeFormat("##"))
    with pytest.raises(InvalidCodeFormat):
        engine.generate_codes("acme", "tiny", 51)
    assert engine.generate_codes("acme", "tiny", 50).added == 50
    with pytest.raises(InvalidCodeFormat):  # the pool already holds half the space
        engine.generate_codes("acme", "tiny", 1)
    assert engine.pool_status("acme", "tiny").size == 50

    engine.create_pool("acme", "imported")
    with pytest.raises(ValidationError, match="no code format"):
        engine.generate_codes("acme", "imported", 1)
    assert engine.generate_codes("acme", "imported", 3, code_format=CodeFormat("IMP-####")).added == 3
    with pytest.raises(ValidationError):
        engine.generate_codes("acme", "gen", -1)
    assert engine.events("acme", type="pool.low_stock") == []  # a threshold of 0 is depletion, said once


def test_a_batch_mixing_new_and_known_codes_numbers_only_the_new_ones_densely(engine):
    engine.create_pool("acme", "mixed")
    assert engine.add_codes("acme", "mixed", ["A", "B"]) == CodesAdded(2, 0)
    assert engine.add_codes("acme", "mixed", ["B", "C", "A", "D", "C"]) == CodesAdded(2, 3)
    assert [(c.seq, c.code) for c in engine.export_codes("acme", "mixed")] == [
        (1, "A"),
        (2, "B"),
        (3, "C"),
        (4, "D"),
    ]
    assert [engine.pop_code("acme", "mixed").code for _ in range(4)] == ["A", "B", "C", "D"]
