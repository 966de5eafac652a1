"""Code pools: create, status, import (CSV or a JSON list), generate, export as CSV.

An import is checked whole before anything is written: every code is read first, and the codes
go to the engine as one batch (one transaction), so a bad line anywhere adds nothing.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

import msgspec

from voucher_engine import CodeFormat, PoolStatus
from voucher_engine.plugin import Call, Reply, errors
from voucher_engine_admin.errors import invalid, malformed
from voucher_engine_admin.wire import Id, Name, Wire, instant

#: The most codes one import or one generate call may add (bounded further by the body size).
MAX_CODES = 100_000
IMPORT_MAX_BYTES = 8 * 1024 * 1024
CSV_TYPES = frozenset({"text/csv", "text/plain"})
EXPORT_HEADER = ("seq", "code", "issued_at", "reference")

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class CodeFormatIn(Wire):
    pattern: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    charset: Annotated[str, msgspec.Meta(min_length=2, max_length=255)] | None = None

    def build(self) -> CodeFormat:
        return CodeFormat(self.pattern, self.charset) if self.charset else CodeFormat(self.pattern)


class PoolIn(Wire):
    id: Id
    name: Name | None = None
    code_format: CodeFormatIn | None = None
    low_stock_threshold: Annotated[int, msgspec.Meta(ge=0)] | None = None


class GenerateIn(Wire):
    count: Annotated[int, msgspec.Meta(ge=1, le=MAX_CODES)]
    #: Draw from this format instead of the pool's own.
    code_format: CodeFormatIn | None = None


class ImportQuery(Wire):
    #: The CSV header column holding the codes; ``header=false``: codes in the first column.
    column: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "code"
    header: bool = True


_json_codes = msgspec.json.Decoder(Annotated[list[Code], msgspec.Meta(max_length=MAX_CODES)])


def _status(p: PoolStatus) -> dict[str, Any]:
    return {
        "id": p.pool_id,
        "name": p.name,
        "size": p.size,
        "issued": p.issued,
        "remaining": p.remaining,
        "low_stock_threshold": p.low_stock_threshold,
    }


def create_pool(call: Call) -> Reply:
    body: PoolIn = call.body
    tenant = call.principal.tenant_id
    created = call.engine.create_pool(
        tenant,
        body.id,
        name=body.name,
        code_format=body.code_format.build() if body.code_format else None,
        low_stock_threshold=body.low_stock_threshold,
    )
    if not created:
        raise errors.AlreadyExists(f"a pool {body.id!r} exists")
    return Reply(body=_status(call.engine.pool_status(tenant, body.id)), status=201)


def pool_status(call: Call) -> dict[str, Any]:
    return _status(call.engine.pool_status(call.principal.tenant_id, call.path["pool_id"]))


def list_pools(call: Call) -> list[dict[str, Any]]:
    return [_status(p) for p in call.engine.list_pools(call.principal.tenant_id)]


def _csv_codes(raw: bytes, query: ImportQuery) -> list[str] | Reply:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return malformed("the CSV body is not UTF-8")
    rows = csv.reader(io.StringIO(text, newline=""))
    index = 0
    try:
        if query.header:
            names = [name.strip() for name in next(rows, [])]
            if query.column not in names:
                return invalid(f"no column {query.column!r} in the header {names}")
            index = names.index(query.column)
        codes: list[str] = []
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue
            if index >= len(row):
                return invalid(f"line {rows.line_num}: no value in column {index + 1}")
            codes.append(row[index])
            if len(codes) > MAX_CODES:
                return invalid(f"at most {MAX_CODES} codes per import")
    except csv.Error as error:
        return malformed(f"line {rows.line_num}: not a readable CSV row: {error}")
    return codes


def import_codes(call: Call) -> Reply | dict[str, Any]:
    tenant, pool_id = call.principal.tenant_id, call.path["pool_id"]
    media_type = call.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json":
        try:
            codes: list[str] | Reply = _json_codes.decode(call.body)
        except msgspec.ValidationError as error:
            return invalid(str(error))
        except msgspec.DecodeError as error:
            return malformed(str(error))
    elif media_type in CSV_TYPES:
        codes = _csv_codes(call.body, call.query)
    else:
        return Reply(
            body={
                "code": "unsupported_media_type",
                "message": "send text/csv or a JSON list of codes (application/json)",
            },
            status=415,
        )
    if isinstance(codes, Reply):
        return codes
    call.engine.pool_status(tenant, pool_id)  # a pool of another tenant is not found, before any work
    # One batch: the engine checks every code before it writes, in one transaction.
    added = call.engine.add_codes(tenant, pool_id, codes, batch_size=max(len(codes), 1))
    return {"added": added.added, "skipped": added.skipped, "pool": _status(call.engine.pool_status(tenant, pool_id))}


def generate_codes(call: Call) -> dict[str, Any]:
    body: GenerateIn = call.body
    tenant, pool_id = call.principal.tenant_id, call.path["pool_id"]
    added = call.engine.generate_codes(
        tenant, pool_id, body.count, code_format=body.code_format.build() if body.code_format else None
    )
    return {"added": added.added, "skipped": added.skipped, "pool": _status(call.engine.pool_status(tenant, pool_id))}


def export_codes(call: Call) -> Reply:
    pool_id = call.path["pool_id"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    for item in call.engine.export_codes(call.principal.tenant_id, pool_id):
        writer.writerow((item.seq, item.code, instant(item.issued_at) or "", item.reference or ""))
    return Reply(
        content=out.getvalue().encode(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{pool_id}.csv"'},
    )
