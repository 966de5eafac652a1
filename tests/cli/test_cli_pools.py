"""``voucher-engine pool ...``: create, import, generate and export, with exact counts."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from cli_helpers import cli, migrated, ok, open_engine

from voucher_engine.cli import main


def write_csv(path: Path, codes: list[str], header: str = "code") -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([header, "note"])
        writer.writerows([c, "x"] for c in codes)
    return path


def read_export(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_import_generate_export_round_trip(database_url: str, tmp_path: Path) -> None:
    url = migrated(database_url)
    with open_engine(url) as engine:
        engine.create_tenant("acme")
    created = ok(
        cli("pool", "create", "acme", "promo", "--pattern", "BET-XXX-######", "--low-stock", "10", "--url", url)
    )
    assert created.stdout.strip() == "pool acme/promo created"
    codes = [f"IMP-{i:06d}" for i in range(6000)]
    source = write_csv(tmp_path / "codes.csv", codes + codes[:250])  # 250 repeated lines
    imported = ok(cli("pool", "import", "acme", "promo", str(source), "--url", url))
    assert "imported 6000 codes into acme/promo (250 already present); the pool holds 6000" in imported.stdout
    assert "6,250/6,250" in imported.stderr  # the progress bar knew the total
    again = ok(cli("pool", "import", "acme", "promo", str(source), "--url", url))
    assert "imported 0 codes into acme/promo (6250 already present); the pool holds 6000" in again.stdout

    generated = ok(cli("pool", "generate", "acme", "promo", "--count", "3000", "--url", url))
    assert "generated 3000 codes into acme/promo; the pool holds 9000" in generated.stdout

    with open_engine(url) as engine:
        issued = engine.pop_code("acme", "promo", reference="order-1")
    out = tmp_path / "export.csv"
    exported = ok(cli("pool", "export", "acme", "promo", "-o", str(out), "--url", url))
    assert f"exported 9000 codes of acme/promo to {out}" in exported.stderr
    rows = read_export(out.read_text())
    assert [int(r["seq"]) for r in rows] == list(range(1, 9001))
    assert len({r["code"] for r in rows}) == 9000
    assert [r["code"] for r in rows[:6000]] == codes
    assert all(re.fullmatch(r"BET-[A-Z2-9]{3}-\d{6}", r["code"]) for r in rows[6000:])
    assert (rows[0]["code"], rows[0]["reference"]) == (issued.code, "order-1") and rows[0]["issued_at"]
    assert all(r["issued_at"] == "" and r["reference"] == "" for r in rows[1:])

    # An export reads back as an import (same default column), adding nothing new.
    reimport = ok(cli("pool", "import", "acme", "promo", str(out), "--url", url))
    assert "imported 0 codes into acme/promo (9000 already present)" in reimport.stdout


def test_export_to_stdout_and_bare_list_import(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_engine(sqlite_url) as engine:
        engine.create_tenant("acme")
        engine.create_pool("acme", "plain")
    (tmp_path / "bare.txt").write_text("A-1\n\nA-2\n A-3 \n")
    assert (
        main(["pool", "import", "acme", "plain", str(tmp_path / "bare.txt"), "--no-header", "--url", sqlite_url]) == 0
    )
    capsys.readouterr()
    assert main(["pool", "export", "acme", "plain", "--url", sqlite_url]) == 0
    assert [r["code"] for r in read_export(capsys.readouterr().out)] == ["A-1", "A-2", "A-3"]


def test_a_bad_line_stops_the_import_before_any_code_is_written(sqlite_url: str, tmp_path: Path) -> None:
    with open_engine(sqlite_url) as engine:
        engine.create_tenant("acme")
        engine.create_pool("acme", "p")
    source = write_csv(tmp_path / "codes.csv", [f"C-{i}" for i in range(7000)] + ["HAS SPACE"])
    result = cli("pool", "import", "acme", "p", str(source), "--url", sqlite_url)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: invalid_code_file: {source}, line 7002: "
        "a code is 1 to 255 printable ASCII characters without spaces: 'HAS SPACE'"
    )
    with open_engine(sqlite_url) as engine:
        assert engine.pool_status("acme", "p").size == 0


def test_engine_errors_are_one_line_with_exit_status_1(sqlite_url: str, tmp_path: Path) -> None:
    with open_engine(sqlite_url) as engine:
        engine.create_tenant("acme")
        engine.create_pool("acme", "nopattern")
    missing = cli("pool", "generate", "acme", "nothere", "--count", "5", "--url", sqlite_url)
    assert (missing.returncode, missing.stderr) == (1, "error: pool_not_found: no pool 'nothere'\n")
    no_format = cli("pool", "generate", "acme", "nopattern", "--count", "5", "--url", sqlite_url)
    assert (no_format.returncode, no_format.stderr) == (
        1,
        "error: invalid: pool 'nopattern' has no code format to generate from\n",
    )
    column = cli(
        "pool",
        "import",
        "acme",
        "nopattern",
        str(write_csv(tmp_path / "c.csv", ["A"], header="voucher")),
        "--url",
        sqlite_url,
    )
    assert column.returncode == 1 and "no column 'code' in the header ['voucher', 'note']" in column.stderr
    assert "Traceback" not in missing.stderr + no_format.stderr + column.stderr
