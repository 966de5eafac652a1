"""Pool imports through the bulk path (PostgreSQL's COPY, SQLite's executemany), on both
databases: every code once, numbered densely in the order it came, known codes skipped as
before, concurrent imports into one pool numbered one after the other."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import select

from dbsupport import database_of
from voucher_engine import CodesAdded
from voucher_engine.storage.tables import pool_codes


def _codes(n: int, seed: int, prefix: str = "") -> list[str]:
    """Random, as real codes are: they land all over the unique index, not at its end."""
    draw = random.Random(seed)
    return [f"{prefix}{draw.getrandbits(64):016X}" for _ in range(n)]


def _stored(engine, pool: str) -> list[tuple[int, str]]:
    with database_of(engine).read() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(pool_codes.c.seq, pool_codes.c.code)
                .where(pool_codes.c.tenant_id == "acme", pool_codes.c.pool_id == pool)
                .order_by(pool_codes.c.seq)
            )
        ]


def test_an_import_of_several_batches_numbers_every_code_once_in_arrival_order(engine) -> None:
    engine.create_pool("acme", "bulk")
    codes = _codes(2_500, seed=1)
    # A generator, as from a file; batches of 1,000 (the last one short).
    assert engine.add_codes("acme", "bulk", iter(codes), batch_size=1_000) == CodesAdded(2_500, 0)
    assert _stored(engine, "bulk") == list(enumerate(codes, start=1))
    assert [c.code for c in engine.export_codes("acme", "bulk")] == codes
    assert [(e.payload["added"], e.payload["size"]) for e in engine.events("acme", type="pool.codes_added")] == [
        (1_000, 1_000),
        (1_000, 2_000),
        (500, 2_500),
    ]


def test_known_codes_are_skipped_and_the_new_ones_numbered_densely(engine) -> None:
    engine.create_pool("acme", "again")
    first = _codes(600, seed=2)
    assert engine.add_codes("acme", "again", first, batch_size=250) == CodesAdded(600, 0)
    # A second file repeating a third of the first, interleaved with new codes and with a
    # code twice in itself: the bulk insert is refused, the batch falls back to the skipping
    # insert in the same transaction, and only the new codes get numbers.
    new = _codes(400, seed=3, prefix="N")
    second = [code for pair in zip(first[::3], new[:200], strict=True) for code in pair] + new[200:] + [new[0]]
    added = engine.add_codes("acme", "again", second, batch_size=250)
    assert added == CodesAdded(400, len(second) - 400)
    assert _stored(engine, "again") == list(enumerate(first + new, start=1))
    # Importing the very same file twice adds nothing.
    assert engine.add_codes("acme", "again", second, batch_size=250) == CodesAdded(0, len(second))
    assert engine.pool_status("acme", "again").size == 1_000


def test_generated_codes_are_numbered_once_each(engine) -> None:
    from voucher_engine import CodeFormat

    engine.create_pool("acme", "gen", code_format=CodeFormat("G-XXXXXXXX"))
    assert engine.generate_codes("acme", "gen", 2_100, batch_size=1_000) == CodesAdded(2_100, 0)
    stored = _stored(engine, "gen")
    assert [seq for seq, _ in stored] == list(range(1, 2_101))
    assert len({code for _, code in stored}) == 2_100


def test_concurrent_imports_into_one_pool_number_every_code_once(engine) -> None:
    engine.create_pool("acme", "race")
    files = [_codes(600, seed=10 + t, prefix=f"T{t}") for t in range(4)]
    barrier = threading.Barrier(len(files))
    results: list[CodesAdded] = []
    failures: list[BaseException] = []

    def run(codes: list[str]) -> None:
        barrier.wait()
        try:
            results.append(engine.add_codes("acme", "race", codes, batch_size=200))
        except BaseException as error:  # noqa: BLE001 - handed to the main thread, which asserts on it
            failures.append(error)

    threads = [threading.Thread(target=run, args=(codes,)) for codes in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert results == [CodesAdded(600, 0)] * 4
    stored = _stored(engine, "race")
    assert [seq for seq, _ in stored] == list(range(1, 2_401))
    assert sorted(code for _, code in stored) == sorted(code for codes in files for code in codes)
    # Each batch is numbered in one piece, in its file's order.
    position = {code: seq for seq, code in stored}
    for codes in files:
        for start in range(0, 600, 200):
            batch = [position[c] for c in codes[start : start + 200]]
            assert batch == list(range(batch[0], batch[0] + 200))


def test_a_bulk_insert_refused_for_another_reason_is_a_storage_error_and_writes_nothing(engine) -> None:
    from voucher_engine.errors import StorageError
    from voucher_engine.storage.bulk import insert_all_or_none

    engine.create_pool("acme", "real")
    rows = [("acme", "real", 1, "FINE-1"), ("acme", "real", 2, None)]  # a NOT NULL violation
    with pytest.raises(StorageError, match="constraint"), database_of(engine).write() as link:
        insert_all_or_none(link.sql, pool_codes, ("tenant_id", "pool_id", "seq", "code"), rows)
    assert _stored(engine, "real") == []
    # A unique violation is the one refusal answered with False, inside a usable transaction.
    engine.add_codes("acme", "real", ["KNOWN"])
    with database_of(engine).write() as link:
        assert (
            insert_all_or_none(
                link.sql,
                pool_codes,
                ("tenant_id", "pool_id", "seq", "code"),
                [("acme", "real", 2, "NEW"), ("acme", "real", 3, "KNOWN")],
            )
            is False
        )
        assert (
            insert_all_or_none(
                link.sql, pool_codes, ("tenant_id", "pool_id", "seq", "code"), [("acme", "real", 2, "NEW")]
            )
            is True
        )
    assert _stored(engine, "real") == [(1, "KNOWN"), (2, "NEW")]
