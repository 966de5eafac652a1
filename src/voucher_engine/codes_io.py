"""Codes in and out of CSV files, streamed row by row: a file of a million codes never sits
in memory, whatever its size.

Reading takes the codes from one named column of a file with a header row (``code`` by
default) or, for a bare list, the first column of every row. Blank rows are skipped. Writing
produces ``seq,code,issued_at,reference``, which reads back with the default column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TextIO

from voucher_engine.domain.codes import normalise_code
from voucher_engine.engine.results import ExportedCode
from voucher_engine.errors import InvalidCodeFormat, ValidationError

EXPORT_HEADER = ("seq", "code", "issued_at", "reference")


class CodeFileError(ValidationError):
    """A code file that cannot be read as codes; the message names the file and line."""

    code = "invalid_code_file"


def read_codes(path: str | Path, *, column: str | None = "code") -> Iterator[str]:
    """Yield the codes of ``path`` one at a time, normalised.

    ``column`` names the header column holding the codes; ``None`` means the file has no
    header and the codes are in its first column.
    """
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise CodeFileError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        rows = csv.reader(handle)
        index = 0
        if column is not None:
            header = next(rows, None)
            if header is None:
                return
            names = [name.strip() for name in header]
            if column not in names:
                raise CodeFileError(
                    f"{path}: no column {column!r} in the header {names} "
                    "(name the column, or read a bare list without a header)"
                )
            index = names.index(column)
        try:
            for row in rows:
                if not row or not any(cell.strip() for cell in row):
                    continue
                if index >= len(row):
                    raise CodeFileError(f"{path}, line {rows.line_num}: no value in column {index + 1}")
                try:
                    yield normalise_code(row[index])
                except InvalidCodeFormat as error:
                    raise CodeFileError(f"{path}, line {rows.line_num}: {error.message}: {row[index]!r}") from None
        except (csv.Error, UnicodeDecodeError) as error:
            raise CodeFileError(f"{path}, line {rows.line_num}: not a readable CSV row: {error}") from None


def count_codes(path: str | Path, *, column: str | None = "code") -> int:
    """Read the whole file once, checking every code; return how many there are.

    Importing runs this first, so that a bad line deep in a file stops the import before the
    first code is written, and so that the progress bar knows the total.
    """
    return sum(1 for _ in read_codes(path, column=column))


def write_codes(codes: Iterable[ExportedCode], out: TextIO, *, progress: Callable[[int], None] | None = None) -> int:
    """Write ``codes`` as CSV with a header; return how many were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    written = 0
    for item in codes:
        writer.writerow(
            (
                item.seq,
                item.code,
                item.issued_at.isoformat() if item.issued_at else "",
                item.reference or "",
            )
        )
        written += 1
        if progress is not None and written % 1000 == 0:
            progress(1000)
    if progress is not None and written % 1000:
        progress(written % 1000)
    return written
