"""Code pools: codes are numbered densely as they arrive (imported or generated) and dealt
out over the pool's lanes (design.md 3.3).

A pool has ``POOL_LANES`` lane rows; lane ``l`` hands out the codes numbered ``l+1``,
``l+1+POOL_LANES``, ``l+1+2*POOL_LANES``, ... in turn, so its ``cursor`` (how many it has
issued) says which code is its next: ``cursor * POOL_LANES + l + 1``, while that is at most
the pool's size. A pop is one statement: take the lane with the lowest next code among those
with a code left, ``FOR UPDATE SKIP LOCKED``, advance its cursor and record the issue of that
code. Concurrent pops lock different lanes, where one cursor row put them all in one queue
held until each COMMIT; imports lock the pool row and pops do not, so neither waits for the
other. On SQLite (one writer) the codes come out in exact number order.

A skip-locked pick alone could report a pool empty whose last codes are merely held by pops
still in flight (one of them may roll back): when it finds no lane, the pop waits for the
held lanes (the same statement without ``SKIP LOCKED``), and answers "depleted" only when no
lane has a code left after that.

Each code number is issued by exactly one committed transaction, so the events tied to a
number are written exactly once: the low-stock event with the code numbered ``size -
threshold``, the depletion with the code numbered ``size``. ``remaining`` is ``size - seq``,
exact with one worker; with several, pops in flight on lower numbers may still commit (or
roll back and hand their code out again) after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnClause,
    Connection,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)

from voucher_engine.domain import events
from voucher_engine.domain.codes import CodeFormat, normalise_code
from voucher_engine.domain.events import Event
from voucher_engine.engine import codec
from voucher_engine.engine.base import EngineBase, Tx
from voucher_engine.engine.results import CodesAdded, ExportedCode, IssuedCode, PoolStatus
from voucher_engine.errors import (
    AlreadyExists,
    Conflict,
    PoolDepleted,
    PoolNotFound,
    StorageError,
    ValidationError,
)
from voucher_engine.storage.bulk import insert_all_or_none
from voucher_engine.storage.direct import Direct
from voucher_engine.storage.link import Link
from voucher_engine.storage.statements import insert_or_skip
from voucher_engine.storage.tables import POOL_LANES, pool_codes, pool_issues, pool_lanes, pools

P, C, I, L = pools.c, pool_codes.c, pool_issues.c, pool_lanes.c  # noqa: E741 - one capital letter per table's columns, as in every engine module

Progress = Callable[[int], None]  # called with the number of codes just handled

#: How many codes a pool's lanes have issued, for a query over ``pools`` (PostgreSQL sums
#: bigints to a numeric: cast back).
issued_of_pool = (
    select(cast(func.coalesce(func.sum(L.cursor), 0), BigInteger))
    .where(L.tenant_id == P.tenant_id, L.pool_id == P.id)
    .scalar_subquery()
)
_pool_row = select(P.id, P.name, P.size, issued_of_pool.label("issued"), P.low_stock_threshold)


_LANES: ColumnClause[int] = literal_column(str(POOL_LANES))


def _next_seq(lanes: Any) -> Any:
    return lanes.c.cursor * _LANES + lanes.c.lane + 1


_free = pool_lanes.alias("free")
# Not correlated: SQLite's RETURNING names columns without their table, which a correlated
# subquery would resolve against pools.
_this_pool = (P.tenant_id == bindparam("b_tenant"), P.id == bindparam("b_pool"))
_size_of_pool = select(P.size).where(*_this_pool).scalar_subquery()
_threshold_of_pool = select(P.low_stock_threshold).where(*_this_pool).scalar_subquery()
# Lanes that have a code left (the pool row is read, not locked: imports hold it for a whole
# batch). The size is read once, as a subquery, not joined: a join read the pool's row once
# per lane.
_lanes_with_a_code = select(_free.c.lane).where(
    _free.c.tenant_id == bindparam("b_tenant"),
    _free.c.pool_id == bindparam("b_pool"),
    _next_seq(_free) <= _size_of_pool,
)


def _advance_lane(*, skip_locked: bool, lowest_first: bool = True) -> Any:
    """Lock the lane whose next code has the lowest number (skipping lanes other pops hold),
    or with ``lowest_first=False`` the first lane by number with a code left (waiting for a
    pop that holds it), and advance it; returns the code's number, the pool's size and
    low-stock threshold. The update repeats the pick's condition under the lane's lock."""
    order = (_free.c.cursor, _free.c.lane) if lowest_first else (_free.c.lane,)
    pick = (
        _lanes_with_a_code.order_by(*order)
        .limit(1)
        .with_for_update(of=_free, skip_locked=skip_locked)
        .scalar_subquery()
    )
    return (
        update(pool_lanes)
        .where(
            L.tenant_id == bindparam("b_tenant"),
            L.pool_id == bindparam("b_pool"),
            L.lane == pick,
            _next_seq(pool_lanes) <= _size_of_pool,
        )
        .values(cursor=L.cursor + 1)
        .returning(
            ((L.cursor - 1) * _LANES + L.lane + 1).label("seq"),
            _size_of_pool.label("size"),
            _threshold_of_pool.label("low_stock_threshold"),
        )
    )


# SQLite: one writer at a time, so the pick never meets a lane held by another pop. The
# statements of every pop go to the driver directly (storage/direct.py).
_advance = Direct(_advance_lane(skip_locked=False))
# PostgreSQL: a pick locks more than the lane it takes when a lane it meets is used up by a
# pop that commits meanwhile: the lock stays, the pick goes on to the next lane. A pop that
# then waited for other pops' lanes with such locks held could deadlock with one of them
# waiting for it. So each pick runs in a savepoint (sent ahead of it in the same pipeline, no
# round trip of its own), and a pick that found no lane is rolled back, its locks with it,
# before the pop waits or reads.
_PICK = "pool_pick"
_has_a_code = Direct(_lanes_with_a_code.limit(1), lead=[f"ROLLBACK TO SAVEPOINT {_PICK}"])
_ISSUE_COLUMNS = ["tenant_id", "pool_id", "seq", "code", "reference", "campaign_id", "attributes", "issued_at"]
# The issue row of a numbered code: the code's own columns and the pop's parameters.
_issue_of_code = select(
    C.tenant_id,
    C.pool_id,
    C.seq,
    C.code,
    bindparam("b_reference"),
    bindparam("b_campaign"),
    bindparam("b_attributes", type_=I.attributes.type),
    bindparam("b_now", type_=I.issued_at.type),
)
_record_issue = Direct(
    insert(pool_issues)
    .from_select(
        _ISSUE_COLUMNS,
        _issue_of_code.where(
            C.tenant_id == bindparam("b_tenant"), C.pool_id == bindparam("b_pool"), C.seq == bindparam("b_seq")
        ),
    )
    .returning(I.code)
)


def _advance_and_record_lane(*, skip_locked: bool, lowest_first: bool = True) -> Any:
    """PostgreSQL: both steps of a pop in one statement (one round trip; the lane's lock is
    held from here to COMMIT only: the next statements are the events, sent with COMMIT).
    The outer join makes a numbered code that is missing (never expected) show up as a NULL
    code instead of passing for an empty pool with the lane moved on.

    The code is found by its number as a scalar subquery, so the lookup is one probe of the
    (tenant, pool, seq) key whatever the planner believes: as a join, a pool whose statistics
    lagged behind its import (a pool just filled) was planned as a scan of all its codes per
    pop, a cost that grew with the pool."""
    advanced = _advance_lane(skip_locked=skip_locked, lowest_first=lowest_first).cte("advanced")
    recorded = (
        insert(pool_issues)
        .from_select(
            _ISSUE_COLUMNS,
            _issue_of_code.where(
                C.tenant_id == bindparam("b_tenant"),
                C.pool_id == bindparam("b_pool"),
                C.seq == select(advanced.c.seq).scalar_subquery(),
            ),
        )
        .returning(I.seq, I.code)
        .cte("recorded")
    )
    return select(advanced.c.seq, advanced.c.size, advanced.c.low_stock_threshold, recorded.c.code).select_from(
        advanced.outerjoin(recorded, recorded.c.seq == advanced.c.seq)
    )


_advance_and_record = Direct(_advance_and_record_lane(skip_locked=True), lead=[f"SAVEPOINT {_PICK}"])
# Waiting, a pop keeps the lock of every lane it waited for and then found used up (the
# holder took its last code) while it goes on to the next: waiting pops take lanes in one
# order, the lanes' own, so none waits for a lane below one it holds, and no two deadlock.
_advance_and_record_waiting = Direct(
    _advance_and_record_lane(skip_locked=False, lowest_first=False), lead=[f"ROLLBACK TO SAVEPOINT {_PICK}"]
)
_issued_by_reference = select(pool_issues).where(
    I.tenant_id == bindparam("b_tenant"), I.pool_id == bindparam("b_pool"), I.reference == bindparam("b_reference")
)
_grow = (
    update(pools)
    .where(P.tenant_id == bindparam("b_tenant"), P.id == bindparam("b_pool"))
    .values(size=P.size + bindparam("b_n"))
    .returning(P.size)
)
_insert_codes = insert(pool_codes)
# PostgreSQL: a whole batch in one statement, the codes as one array parameter, numbered after
# the pool's size in the order they came. The unique (tenant, pool, code) index decides what is
# new: an index probe per code whatever the planner's statistics say (a prior ``SELECT ... IN``
# was planned from statistics that lag behind a bulk import, and scanned the pool per batch:
# 60,000 codes took two minutes). Imports into one pool queue on its row, so nothing else
# inserts between the probe and the numbering.
_insert_fresh_pg = text(
    "INSERT INTO pool_codes (tenant_id, pool_id, seq, code) "
    "SELECT :b_tenant, :b_pool, :b_size + v.ord, v.code "
    "FROM unnest(CAST(:b_codes AS varchar[])) WITH ORDINALITY AS v(code, ord) "
    "ON CONFLICT (tenant_id, pool_id, code) DO NOTHING"
)
_insert_fresh_pg_returning = text(_insert_fresh_pg.text + " RETURNING code")

BATCH = 5_000
#: Codes per import or generation batch (one transaction each): large enough that a batch's
#: fixed cost (its command, the pool row lock, the commit) vanishes next to its rows, small
#: enough that memory stays a few megabytes however many codes a file holds.
IMPORT_BATCH = 20_000
_CODE_COLUMNS = ("tenant_id", "pool_id", "seq", "code")


class PoolOperations(EngineBase):
    def create_pool(
        self,
        tenant_id: str,
        pool_id: str,
        *,
        name: str | None = None,
        code_format: CodeFormat | None = None,
        low_stock_threshold: int | None = None,
    ) -> bool:
        """Create a pool; ``False`` when one with this id exists already."""
        if not (0 < len(pool_id) <= 64):
            raise ValidationError("a pool id is 1 to 64 characters")
        if low_stock_threshold is not None and low_stock_threshold < 0:
            raise ValidationError("a low-stock threshold is not negative")

        def body(tx: Tx) -> bool:
            self._require_tenant(tx.conn, tenant_id)
            created = tx.conn.execute(
                insert_or_skip(tx.dialect, pools, ["tenant_id", "id"]).returning(P.id),
                {
                    "tenant_id": tenant_id,
                    "id": pool_id,
                    "name": name or pool_id,
                    "pattern": code_format.pattern if code_format else None,
                    "charset": code_format.charset if code_format else None,
                    "size": 0,
                    "low_stock_threshold": low_stock_threshold,
                    "created_at": tx.now,
                },
            ).first()
            if created is None:
                return False
            tx.conn.execute(
                insert(pool_lanes),
                [{"tenant_id": tenant_id, "pool_id": pool_id, "lane": lane, "cursor": 0} for lane in range(POOL_LANES)],
            )
            return True

        request = {"pool": pool_id, "name": name, "format": codec.dump(code_format), "low_stock": low_stock_threshold}
        return self._command(tenant_id, "create_pool", body, bool, request=request)

    def pool_status(self, tenant_id: str, pool_id: str) -> PoolStatus:
        row = self._read(lambda c: c.execute(_pool_row.where(P.tenant_id == tenant_id, P.id == pool_id)).first())
        if row is None:
            raise PoolNotFound(f"no pool {pool_id!r}")
        return PoolStatus(tenant_id, pool_id, row.name, row.size, row.issued, row.low_stock_threshold)

    def list_pools(self, tenant_id: str) -> list[PoolStatus]:
        rows = self._read(lambda c: c.execute(_pool_row.where(P.tenant_id == tenant_id).order_by(P.id)).all())
        return [PoolStatus(tenant_id, r.id, r.name, r.size, r.issued, r.low_stock_threshold) for r in rows]

    # --- filling ------------------------------------------------------------------------------------

    def add_codes(
        self,
        tenant_id: str,
        pool_id: str,
        codes: Iterable[str],
        *,
        batch_size: int = IMPORT_BATCH,
        progress: Progress | None = None,
    ) -> CodesAdded:
        """Append codes from any iterable, streamed in batches (memory stays bounded by the
        batch). Codes already in the pool are skipped, so importing a file twice adds nothing."""
        added = skipped = 0
        stream = iter(codes)
        while batch := list(islice(stream, batch_size)):
            n, dup = self._add_batch(tenant_id, pool_id, [normalise_code(c) for c in batch])
            added += n
            skipped += dup
            if progress:
                progress(len(batch))
        return CodesAdded(added, skipped)

    def generate_codes(
        self,
        tenant_id: str,
        pool_id: str,
        count: int,
        *,
        code_format: CodeFormat | None = None,
        batch_size: int = IMPORT_BATCH,
        progress: Progress | None = None,
    ) -> CodesAdded:
        """Add ``count`` new codes drawn from the pool's format: by a plugin's
        ``voucher_engine_code_generator`` if one answers, else with the engine's CSPRNG."""
        if count < 0:
            raise ValidationError("count must not be negative")
        fmt = code_format or self._pool_format(tenant_id, pool_id)
        fmt.check_capacity(count + self.pool_status(tenant_id, pool_id).size)
        draw = self.hooks.code_generator(fmt, self.random, tenant_id, pool_id)
        added = skipped = 0
        while added < count:
            want = min(batch_size, count - added)
            n, dup = self._add_batch(tenant_id, pool_id, [draw() for _ in range(want)])
            added += n
            skipped += dup
            if progress:
                progress(n)
        return CodesAdded(added, skipped)

    def target_size(self, tenant_id: str, pool_id: str, size: int, **kwargs: Any) -> CodesAdded:
        """Generate codes until the pool holds ``size`` in all (fixtures use this: loading the
        same file twice generates nothing the second time)."""
        missing = size - self.pool_status(tenant_id, pool_id).size
        return self.generate_codes(tenant_id, pool_id, max(missing, 0), **kwargs)

    def _pool_format(self, tenant_id: str, pool_id: str) -> CodeFormat:
        row = self._read(
            lambda c: c.execute(select(P.pattern, P.charset).where(P.tenant_id == tenant_id, P.id == pool_id)).first()
        )
        if row is None:
            raise PoolNotFound(f"no pool {pool_id!r}")
        if row.pattern is None:
            raise ValidationError(f"pool {pool_id!r} has no code format to generate from")
        return CodeFormat(row.pattern, row.charset) if row.charset else CodeFormat(row.pattern)

    def _add_batch(self, tenant_id: str, pool_id: str, batch: list[str]) -> tuple[int, int]:
        unique = list(dict.fromkeys(batch))

        def body(tx: Tx) -> tuple[int, int]:
            conn = tx.conn
            # Lock the pool row first (a no-op growth), so that concurrent imports into one pool
            # number their codes one after the other, densely, with no gaps.
            size = conn.execute(_grow, {"b_tenant": tenant_id, "b_pool": pool_id, "b_n": 0}).scalar()
            if size is None:
                raise PoolNotFound(f"no pool {pool_id!r}")
            if insert_all_or_none(conn, pool_codes, _CODE_COLUMNS, _numbered(tenant_id, pool_id, size, unique)):
                fresh = unique  # the usual case: every code is new (COPY / executemany, no read)
            elif tx.dialect == "postgresql":
                fresh = self._insert_fresh_pg(conn, tenant_id, pool_id, size, unique)
            else:
                fresh = self._insert_fresh(conn, tenant_id, pool_id, size, unique)
            if fresh:
                conn.execute(_grow, {"b_tenant": tenant_id, "b_pool": pool_id, "b_n": len(fresh)})
                tx.emit(Event(events.POOL_CODES_ADDED, pool_id, {"added": len(fresh), "size": size + len(fresh)}))
            return len(fresh), len(batch) - len(fresh)

        # One command per batch: a large import commits as it goes, and the veto hook sees each
        # batch (its size, not its codes: they are secrets).
        return self._command(tenant_id, "add_codes", body, tuple, request={"pool": pool_id, "count": len(batch)})

    @staticmethod
    def _insert_fresh(conn: Connection, tenant_id: str, pool_id: str, size: int, unique: list[str]) -> list[str]:
        existing: set[str] = set()
        for chunk in _chunks(unique, 900):  # SQLite allows 999 bound parameters per statement
            existing.update(
                conn.execute(
                    select(C.code).where(C.tenant_id == tenant_id, C.pool_id == pool_id, C.code.in_(chunk))
                ).scalars()
            )
        fresh = [c for c in unique if c not in existing]
        if fresh:
            conn.execute(
                _insert_codes,
                [
                    {"tenant_id": tenant_id, "pool_id": pool_id, "seq": size + i, "code": code}
                    for i, code in enumerate(fresh, start=1)
                ],
            )
        return fresh

    @staticmethod
    def _insert_fresh_pg(conn: Connection, tenant_id: str, pool_id: str, size: int, unique: list[str]) -> list[str]:
        params = {"b_tenant": tenant_id, "b_pool": pool_id, "b_size": size, "b_codes": unique}
        savepoint = conn.begin_nested()
        if conn.execute(_insert_fresh_pg, params).rowcount == len(unique):
            savepoint.commit()  # the usual case: every code is new and numbered densely
            return unique
        # Some were in the pool already and their numbers would leave gaps: learn which are
        # new, then number only those.
        savepoint.rollback()
        savepoint = conn.begin_nested()
        inserted = set(conn.execute(_insert_fresh_pg_returning, params).scalars())
        savepoint.rollback()
        fresh = [c for c in unique if c in inserted]
        if fresh:
            conn.execute(_insert_fresh_pg, {**params, "b_codes": fresh})
        return fresh

    # --- handing out ---------------------------------------------------------------------------------

    def pop_code(
        self,
        tenant_id: str,
        pool_id: str,
        *,
        reference: str | None = None,
        campaign_id: str | None = None,
        attributes: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        scope: str = "",
    ) -> IssuedCode:
        """Hand out the next code. With a ``reference`` (an order number, a session id) the
        call is idempotent: the same reference always gets the same code."""

        def body(tx: Tx) -> IssuedCode:
            return self._pop_in(tx, pool_id, reference, campaign_id, attributes or {})

        request = {"pool": pool_id, "reference": reference, "campaign": campaign_id, "attributes": attributes}
        try:
            return self._command(
                tenant_id, "pop_code", body, IssuedCode, request=request, idempotency_key=idempotency_key, scope=scope
            )
        except AlreadyExists:
            # Two pops with one reference raced; the other committed first. Answer with its code.
            if reference is None:
                raise
            return self._command(
                tenant_id, "pop_code", body, IssuedCode, request=request, idempotency_key=idempotency_key, scope=scope
            )

    def _pop_in(
        self, tx: Tx, pool_id: str, reference: str | None, campaign_id: str | None, attributes: dict[str, Any]
    ) -> IssuedCode:
        params = {"b_tenant": tx.tenant_id, "b_pool": pool_id}
        if reference is not None:
            seen = tx.conn.execute(_issued_by_reference, {**params, "b_reference": reference}).first()
            if seen is not None:
                status = self._status_in(tx, pool_id)
                return IssuedCode(
                    tx.tenant_id,
                    pool_id,
                    seen.seq,
                    seen.code,
                    seen.reference,
                    seen.campaign_id,
                    seen.issued_at,
                    status.remaining,
                )
        issue = {"b_reference": reference, "b_campaign": campaign_id, "b_attributes": attributes, "b_now": tx.now}
        if tx.dialect == "postgresql":
            row = _advance_on_postgresql(tx.link, {**params, **issue})
        else:
            row = _advance.first(tx.link, params)
        if row is None:
            self._status_in(tx, pool_id)  # raises PoolNotFound for a pool that is not there
            raise PoolDepleted(f"pool {pool_id!r} has no codes left", pool_id=pool_id)
        if tx.dialect == "postgresql":
            code = row.code
            if code is None:
                raise StorageError(f"pool {pool_id!r} has no code numbered {row.seq}")
        else:
            code = _record_issue.one(tx.link, {**params, **issue, "b_seq": row.seq}).code
        remaining = row.size - row.seq
        tx.emit(
            Event(
                events.POOL_CODE_ISSUED,
                pool_id,
                {
                    "seq": row.seq,
                    "reference": reference,
                    "campaign_id": campaign_id,
                    "remaining": remaining,
                },
            )
        )
        # Each number is issued by one committed transaction, so each of these events is
        # written exactly once (for a given size: an import grows it, and they come again).
        if row.low_stock_threshold is not None and remaining == row.low_stock_threshold and remaining:
            tx.emit(Event(events.POOL_LOW_STOCK, pool_id, {"remaining": remaining, "size": row.size}))
        if remaining == 0:
            tx.emit(Event(events.POOL_DEPLETED, pool_id, {"size": row.size}))
        return IssuedCode(tx.tenant_id, pool_id, row.seq, code, reference, campaign_id, tx.now, remaining)

    def _status_in(self, tx: Tx, pool_id: str) -> PoolStatus:
        row = tx.conn.execute(_pool_row.where(P.tenant_id == tx.tenant_id, P.id == pool_id)).first()
        if row is None:
            raise PoolNotFound(f"no pool {pool_id!r}")
        return PoolStatus(tx.tenant_id, pool_id, row.name, row.size, row.issued, row.low_stock_threshold)

    # --- reading out -----------------------------------------------------------------------------------

    def export_codes(self, tenant_id: str, pool_id: str, *, batch_size: int = BATCH) -> Iterator[ExportedCode]:
        """Every code of the pool in order, with when and for what it was issued; streamed by
        keyset pages, so a million codes never sit in memory at once."""
        self.pool_status(tenant_id, pool_id)

        # Two range reads per page instead of a join: with stale statistics (a pool just filled
        # or drained, not yet auto-analysed) PostgreSQL planned the join as a nested loop that
        # re-scanned the pool's issues for every code, minutes for a 10,000-code pool.
        def read_page(conn: Connection, after: int) -> list[ExportedCode]:
            codes = conn.execute(
                select(C.seq, C.code)
                .where(C.tenant_id == tenant_id, C.pool_id == pool_id, C.seq > after)
                .order_by(C.seq)
                .limit(batch_size)
            ).all()
            if not codes:
                return []
            issued = {
                r.seq: r
                for r in conn.execute(
                    select(I.seq, I.issued_at, I.reference).where(
                        I.tenant_id == tenant_id, I.pool_id == pool_id, I.seq.between(codes[0].seq, codes[-1].seq)
                    )
                )
            }
            return [
                ExportedCode(c.seq, c.code, issued[c.seq].issued_at, issued[c.seq].reference)
                if c.seq in issued
                else ExportedCode(c.seq, c.code, None, None)
                for c in codes
            ]

        after = 0
        while page := self._read(partial(read_page, after=after)):
            yield from page
            after = page[-1].seq


def _advance_on_postgresql(link: Link, params: dict[str, Any]) -> Any | None:
    """A pop's lane, advanced and its code recorded; ``None`` when the pool is empty.

    Skip-locked first (the usual case: a free lane at once). Finding none, wait for the
    lanes held by pops in flight, in lane order: each either commits (its lane moves on,
    perhaps past the end, and the wait moves to the next) or rolls back (its code is this
    pop's). The pool is empty only when a plain read then shows no lane with a code left
    (a lane whose pop is still in flight counts as having its code): the picks are not
    trusted with that answer (measured at 16 workers on 16 lanes, the skip-locked pick found
    no lane in about 1 pop in 90 while a moment later lanes were free). Another round when
    the read finds a code (an import added some, or a waiting pick met only lanes that were
    used up), bounded: a pop does not go round forever (``Conflict``, retried as any). Each
    step that finds nothing is rolled back to the pick's savepoint by the next one
    (``lead``)."""
    for _ in range(POOL_LANES):
        row = _advance_and_record.first(link, params)
        if row is None:
            row = _advance_and_record_waiting.first(link, params)
        if row is not None or _has_a_code.first(link, params) is None:
            return row
    raise Conflict("the pool's codes kept moving while a pop waited for them; try again")


def _numbered(tenant_id: str, pool_id: str, size: int, codes: list[str]) -> list[tuple[str, str, int, str]]:
    """The rows of ``codes`` numbered after ``size`` in the order they came, sorted by code: the
    unique (tenant, pool, code) index then takes them in its own order, one pass over its pages
    instead of a random page per code; the numbers keep the order of arrival."""
    return sorted(((tenant_id, pool_id, size + i, code) for i, code in enumerate(codes, start=1)), key=_by_code)


def _by_code(row: tuple[str, str, int, str]) -> str:
    return row[3]


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
