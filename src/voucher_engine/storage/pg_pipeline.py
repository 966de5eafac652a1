"""Several PostgreSQL commands in one round trip, through libpq's pipeline directly.

The direct statements (``direct.py``) go to the server in small batches: the transaction's
``BEGIN`` and a savepoint with its first statement, the last writes with ``COMMIT``. psycopg's
own pipeline does that in one round trip too, but measured on this project's machine it cost
more CPU than sending the commands one by one (63 us against 43 for ``BEGIN``, a ``SELECT``
and ``COMMIT``, one pipeline against three round trips): it flushes every command on its own
and polls between them. Here the batch is queued whole, flushed once and read back once
(26 us for the same).

Everything else stays psycopg's: the parameters are dumped and the rows loaded by a
``Transformer`` of the connection (its adapters, as a cursor's), the errors are psycopg's
(built from the server's error result), the waiting is psycopg's (``Connection.wait``, which
cancels on an interrupt).

A statement is prepared on its first use on a connection, once per statement and parameter
types (as psycopg prepares its own after five uses), and remembered with the connection (in
its pooled ``info``, with the connection's one ``Transformer``).
psycopg itself prepares nothing on the engine's connections (``adopt``): on every ``ROLLBACK``
(a savepoint's included) it deallocates *all* of a session's prepared statements when it holds
any of its own, which would take the ones prepared here with them. Should they vanish anyway
(a ``DISCARD ALL`` sent by someone), the connection is closed: SQLAlchemy replaces it, and the
engine retries the command as after any lost connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

try:
    from psycopg import errors, generators, pq
    from psycopg.adapt import PyFormat, Transformer
except ImportError:  # pragma: no cover - the embedded install has no PostgreSQL driver
    pass
else:
    _OK = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK, pq.ExecStatus.EMPTY_QUERY)
    _SYNC = pq.ExecStatus.PIPELINE_SYNC

#: Key in a connection's ``info`` (SQLAlchemy's pool keeps that dict with the DBAPI
#: connection and empties it when the connection is replaced): what the pipeline keeps with it.
_ADOPTED = "voucher_engine_pipeline"


@dataclass(slots=True)
class _Adopted:
    """What the pipeline keeps with a connection."""

    #: The statements prepared on it: (SQL, parameter types) -> statement name.
    names: dict[tuple[bytes, tuple[int, ...]], bytes]
    #: One ``Transformer`` for all its batches, as a psycopg cursor keeps one for all its
    #: executions: the dumpers and loaders it looked up stay found (a new one per batch looked
    #: each type up again, about 30 calls a redemption).
    transformer: Any


@dataclass(frozen=True, slots=True)
class Step:
    """One command of a batch: SQL with ``$n`` parameters and their values, or a command
    without parameters (``values is None``: ``BEGIN``, a savepoint, ``COMMIT``)."""

    sql: bytes
    values: Sequence[Any] | None = None
    rows: bool = False  # whether its rows are read back


def command(sql: str) -> Step:
    return Step(sql.encode())


def adopt(raw: Any, info: dict[str, Any]) -> _Adopted:
    """Make a new connection the pipeline's: its statements prepared here, none by psycopg.
    ``info`` is the pooled connection's (``PoolProxiedConnection.info``)."""
    raw.prepare_threshold = None
    adopted = info[_ADOPTED] = _Adopted({}, Transformer.from_context(raw))
    return adopted


def run(raw: Any, info: dict[str, Any], steps: Sequence[Step]) -> list[list[tuple[Any, ...]] | None]:
    """Send ``steps`` in one pipeline and read every result: the rows of each step that wants
    them (else None). The first error among them is raised once all are read, as the server
    skipped the rest (a failed step aborts the pipeline up to its sync). ``info`` as for
    ``adopt``."""
    adopted = info.get(_ADOPTED)
    if adopted is None or adopted.transformer.connection is not raw:
        adopted = adopt(raw, info)
    transformer, names = adopted.transformer, adopted.names
    pgconn = raw.pgconn
    preparing: dict[tuple[bytes, tuple[int, ...]], bytes] = {}  # in this batch
    # Per result expected: the step it answers, or the key of a statement being prepared.
    sent: list[Step | tuple[bytes, tuple[int, ...]]] = []
    with raw.lock:
        pgconn.enter_pipeline_mode()
        try:
            for step in steps:
                if step.values is None:
                    pgconn.send_query_params(step.sql, None)
                    sent.append(step)
                    continue
                params = transformer.dump_sequence(step.values, [PyFormat.AUTO] * len(step.values))
                key = (step.sql, tuple(transformer.types or ()))
                name = names.get(key) or preparing.get(key)
                if name is None:
                    name = preparing[key] = f"ve_{len(names) + len(preparing)}".encode()
                    pgconn.send_prepare(name, step.sql, param_types=transformer.types)
                    sent.append(key)
                pgconn.send_query_prepared(name, params, param_formats=transformer.formats)
                sent.append(step)
            pgconn.pipeline_sync()
            raw.wait(generators.send(pgconn))
            results = [raw.wait(generators.fetch_many(pgconn)) for _ in sent]
            synced = raw.wait(generators.fetch_many(pgconn))
        finally:
            _leave_pipeline(raw)
    # A statement the server prepared stays prepared (whatever became of the transaction):
    # remembered even when a later step failed, or preparing it again would fail.
    for answered, result in zip(sent, results, strict=True):
        if isinstance(answered, tuple) and result and result[-1].status == pq.ExecStatus.COMMAND_OK:
            names[answered] = preparing[answered]
    if not (synced and synced[-1].status == _SYNC):
        raise errors.InternalError("the pipeline's results did not end with its sync")
    failed = next((r[-1] for r in results if r and r[-1].status not in _OK), None)
    if failed is not None:
        if failed.status == pq.ExecStatus.FATAL_ERROR:
            error = errors.error_from_result(failed, encoding=raw.info.encoding)
            if isinstance(error, errors.InvalidSqlStatementName):  # our statements are gone
                del info[_ADOPTED]
                raw.close()
            raise error
        raise errors.InternalError(f"unexpected result status {failed.status!r} in a pipeline")
    out: list[list[tuple[Any, ...]] | None] = []
    for answered, result in zip(sent, results, strict=True):
        if not isinstance(answered, Step):
            continue
        if not answered.rows:
            out.append(None)
            continue
        transformer.set_pgresult(result[-1])
        out.append(transformer.load_rows(0, result[-1].ntuples, tuple))
    return out


def _leave_pipeline(raw: Any) -> None:
    """Out of pipeline mode, or the connection closed: a connection left in pipeline mode
    would refuse psycopg's own next command. libpq refuses to leave while results are unread,
    which happens only when the batch broke off (the connection lost, an interrupt): closed,
    SQLAlchemy sees it disconnected and replaces it."""
    pgconn = raw.pgconn
    if pgconn.pipeline_status == pq.PipelineStatus.OFF:
        return
    try:
        pgconn.exit_pipeline_mode()
    except Exception:  # noqa: BLE001 - whatever libpq says, the connection is not reusable
        raw.close()
