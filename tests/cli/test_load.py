"""``voucher-engine load``: a full fixture file on SQLite and PostgreSQL, loaded twice."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import ROOT, cli, migrated, ok, open_engine, row_counts

from voucher_engine import Money, VoucherKind
from voucher_engine.cli import main

FIXTURE = """
tenant = "shop"

[[tenants]]
id = "shop"
name = "The Shop"

[[tenants]]
id = "other"

[[stores]]
id = "vienna"
name = "Vienna"
url = "https://shop.example.com/vienna"

[[offers]]
id = "gift"
store = "vienna"
name = "Gift card"
currency = "EUR"
denominations = ["10.00", "25.50"]
discount_bp = 250
pool = "gift-codes"

[[pools]]
id = "gift-codes"
pattern = "GC-XXXX-####"
low_stock = 5
codes = ["INLINE-1", "INLINE-2", "INLINE-1"]
codes_file = "codes.csv"
generate = 50

[[pools]]
tenant = "other"
id = "plain"
codes = ["P-1"]

[[campaigns]]
id = "CAMP-1"
pool = "gift-codes"
starts_at = 2025-01-01T00:00:00Z
ends_at = 2031-01-01T00:00:00+01:00
trigger_categories = ["PAY", "GAM"]
distributors = ["DIST-001"]
cap = 10
template = { kind = "single_use", days = 30 }

[[vouchers]]
code = "MONEY-100"
kind = "monetary"
value = "100.00"
currency = "EUR"
pin = "4321"
taxable = true
tax_rate = "19"
redeemable_at = ["vienna"]
metadata = { source = "fixture" }
validity = [
  { starts_at = 2025-01-01T00:00:00Z, ends_at = 2026-01-01T00:00:00Z },
  { days_after_issue = 30, end_of_day_in = "Europe/Vienna" },
]

[[vouchers]]
code = "MULTI-3"
kind = "multi_use"
uses = 3

[[vouchers]]
tenant = "other"
code = "ONCE"
kind = "single_use"
"""

CODES_CSV = "code,batch\nFILE-1,a\nFILE-2,a\n\nFILE-3,b\nINLINE-2,b\n"


def write_fixture(directory: Path, text: str = FIXTURE, codes: str = CODES_CSV) -> Path:
    (directory / "codes.csv").write_text(codes)
    path = directory / "fixture.toml"
    path.write_text(text)
    return path


def stats(url: str) -> dict:
    with open_engine(url) as engine:
        return engine.stats()


def test_loading_twice_creates_everything_once_and_then_changes_nothing(database_url: str, tmp_path: Path) -> None:
    migrated_url = migrated(database_url)
    fixture = write_fixture(tmp_path)
    first = ok(cli("load", str(fixture), "--url", migrated_url)).stdout
    assert "tenants:    2 created, 0 updated, 0 already present" in first
    assert "stores:     1 created" in first
    assert "offers:     1 created" in first
    assert "pools:      2 created" in first
    assert "campaigns:  1 created" in first
    assert "vouchers:   3 created" in first
    # 2 distinct inline + 3 new from the file (INLINE-2 repeats) + 45 generated up to 50, + P-1
    assert "codes:      51 added" in first

    counts, numbers = row_counts(migrated_url), stats(migrated_url)
    with open_engine(migrated_url) as engine:
        codes_before = [(c.seq, c.code) for c in engine.export_codes("shop", "gift-codes")]

    second = ok(cli("load", str(fixture), "--url", migrated_url)).stdout
    assert "tenants:    0 created, 0 updated, 2 already present" in second
    assert "vouchers:   0 created, 0 updated, 3 already present" in second
    assert "campaigns:  0 created, 0 updated, 1 already present" in second
    assert "codes:      0 added" in second
    assert row_counts(migrated_url) == counts
    assert stats(migrated_url) == numbers

    with open_engine(migrated_url) as engine:
        assert [(c.seq, c.code) for c in engine.export_codes("shop", "gift-codes")] == codes_before
        assert [c for _, c in codes_before[:5]] == ["INLINE-1", "INLINE-2", "FILE-1", "FILE-2", "FILE-3"]
        assert all(re.fullmatch(r"GC-[A-Z2-9]{4}-\d{4}", c) for _, c in codes_before[5:])
        assert len({c for _, c in codes_before}) == 50
        money = engine.get_voucher("shop", code="MONEY-100")
        assert (money.kind, money.balance(), money.taxable, str(money.tax_rate)) == (
            VoucherKind.MONETARY,
            Money(10000, "EUR"),
            True,
            "19",
        )
        assert money.redeemable_at == ("vienna",) and money.metadata == {"source": "fixture"}
        assert money.pin_hash is not None and len(money.windows) == 2
        assert engine.get_voucher("shop", code="MULTI-3").available == 3
        assert engine.get_voucher("other", code="ONCE").kind is VoucherKind.SINGLE_USE
        offer = engine.get_offer("shop", "gift")
        assert (offer.denominations, offer.discount_bp, offer.pool_id) == ((1000, 2550), 250, "gift-codes")
        campaign = engine.get_campaign("shop", "CAMP-1")
        assert campaign.trigger_categories == {"PAY", "GAM"} and campaign.cap == 10
        assert campaign.window.end.isoformat() == "2030-12-31T23:00:00+00:00"
        assert campaign.template == {"kind": "single_use", "days": 30}
        assert engine.pool_status("other", "plain").size == 1


def test_a_changed_store_offer_or_campaign_is_updated_in_place(sqlite_url: str, tmp_path: Path) -> None:
    fixture = write_fixture(tmp_path)
    ok(cli("load", str(fixture), "--url", sqlite_url))
    counts = row_counts(sqlite_url)
    fixture.write_text(
        FIXTURE.replace('name = "Vienna"', 'name = "Wien"')
        .replace("cap = 10", "cap = 20")
        .replace("discount_bp = 250", "discount_bp = 300")
    )
    out = ok(cli("load", str(fixture), "--url", sqlite_url)).stdout
    assert "stores:     0 created, 1 updated, 0 already present" in out
    assert "offers:     0 created, 1 updated, 0 already present" in out
    assert "campaigns:  0 created, 1 updated, 0 already present" in out
    assert row_counts(sqlite_url) == counts
    with open_engine(sqlite_url) as engine:
        assert engine.get_store("shop", "vienna").name == "Wien"
        assert engine.get_campaign("shop", "CAMP-1").cap == 20
        assert engine.get_offer("shop", "gift").discount_bp == 300


BAD_FILES = {
    "unknown key": ('[[tenants]]\nid = "t"\ncolour = "red"\n', "tenants[0] ('t'): unknown key(s): colour"),
    "float amount": (
        '[[tenants]]\nid = "t"\n[[vouchers]]\ntenant = "t"\ncode = "A"\nkind = "monetary"\nvalue = 10.5\ncurrency = "EUR"\n',
        "vouchers[0] ('A'): value: expected a string, got a float",
    ),
    "too many decimals": (
        '[[tenants]]\nid = "t"\n[[vouchers]]\ntenant = "t"\ncode = "A"\nkind = "monetary"\nvalue = "10.555"\ncurrency = "EUR"\n',
        "vouchers[0] ('A'): EUR has 2 decimal places: '10.555'",
    ),
    "unknown currency": (
        '[[tenants]]\nid = "t"\n[[vouchers]]\ntenant = "t"\ncode = "A"\nkind = "monetary"\nvalue = "1.00"\ncurrency = "XXY"\n',
        "vouchers[0] ('A'): unknown currency 'XXY'",
    ),
    "wrong type": (
        '[[tenants]]\nid = "t"\n[[pools]]\ntenant = "t"\nid = "p"\nlow_stock = "ten"\n',
        "pools[0] ('p'): low_stock: expected an integer, got a string",
    ),
    "boolean for a number": (
        '[[tenants]]\nid = "t"\n[[vouchers]]\ntenant = "t"\ncode = "B"\nkind = "multi_use"\nuses = true\n',
        "vouchers[0] ('B'): uses: expected an integer, got a boolean",
    ),
    "local datetime": (
        '[[tenants]]\nid = "t"\n[[campaigns]]\ntenant = "t"\nid = "c"\nends_at = 2030-01-01T00:00:00\n',
        "campaigns[0] ('c'): ends_at: expected a date-time with an offset",
    ),
    "unknown tenant": (
        '[[stores]]\ntenant = "nobody"\nid = "s"\n',
        "stores[0] ('s'): tenant 'nobody' is neither in the file nor in the database",
    ),
    "unknown store": (
        '[[tenants]]\nid = "t"\n[[offers]]\ntenant = "t"\nid = "o"\nstore = "s"\ncurrency = "EUR"\nmin_value = "1.00"\nmax_value = "2.00"\n',
        "offers[0] ('o'): store 's' is neither in the file nor in the database",
    ),
    "bad code in codes file": (
        '[[tenants]]\nid = "t"\n[[pools]]\ntenant = "t"\nid = "p"\ncodes_file = "codes.csv"\n',
        "codes.csv, line 4: a code is 1 to 255 printable ASCII characters without spaces: 'HAS SPACE'",
    ),
    "generate without a pattern": (
        '[[tenants]]\nid = "t"\n[[pools]]\ntenant = "t"\nid = "p"\ngenerate = 5\n',
        "pools[0] ('p'): generate: needs a pattern",
    ),
    "listed twice": (
        '[[tenants]]\nid = "t"\n[[vouchers]]\ntenant = "t"\ncode = "A"\nkind = "single_use"\n'
        '[[vouchers]]\ntenant = "t"\ncode = "A"\nkind = "single_use"\n',
        "vouchers: 'A' of tenant 't' is listed 2 times",
    ),
    "unknown section": ('[[voucher]]\ncode = "A"\n', "unknown top-level key(s): voucher"),
    "not TOML": ('[[tenants]\nid = "t"\n', "not valid TOML"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_exits_2_names_the_entry_and_writes_nothing(
    case: str, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The CLI's main() in-process: the same code as the command, without paying for a new
    # interpreter per case (the subprocess path is covered by the tests below).
    text, message = BAD_FILES[case]
    fixture = write_fixture(tmp_path, text, codes="code\nOK-1\nOK-2\nHAS SPACE\n")
    open_engine(sqlite_url).close()
    before = row_counts(sqlite_url)
    assert main(["load", str(fixture), "--url", sqlite_url]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith(f"error: invalid_fixture: {fixture}: ")
    assert "nothing was written" in stderr
    assert message in stderr
    assert row_counts(sqlite_url) == before


def test_good_entries_are_not_written_when_another_entry_is_bad(database_url: str, tmp_path: Path) -> None:
    migrated_url = migrated(database_url)
    text = FIXTURE + '\n[[vouchers]]\ncode = "BAD"\nkind = "monetary"\nvalue = "-5.00"\ncurrency = "EUR"\n'
    fixture = write_fixture(tmp_path, text)
    before = row_counts(migrated_url)
    result = cli("load", str(fixture), "--url", migrated_url)
    assert result.returncode == 2
    assert "vouchers[3] ('BAD'): not a decimal amount: '-5.00'" in result.stderr
    assert row_counts(migrated_url) == before
    assert before["tenants"] == 0


def test_every_problem_of_a_file_is_listed_at_once(sqlite_url: str, tmp_path: Path) -> None:
    text = '[[tenants]]\nid = "t"\nextra = 1\n[[stores]]\ntenant = "t"\nid = 5\n'
    result = cli("load", str(write_fixture(tmp_path, text)), "--url", sqlite_url)
    assert result.returncode == 2
    assert "2 problem(s)" in result.stderr
    assert "tenants[0] ('t'): unknown key(s): extra" in result.stderr
    assert "stores[0]: id: expected a string, got an integer" in result.stderr


def test_stats_prints_a_table_and_json_scoped_by_tenant(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", str(write_fixture(tmp_path)), "--url", sqlite_url]) == 0
    with open_engine(sqlite_url) as engine:
        engine.redeem("shop", code="MULTI-3", amount=1)
    table = ok(cli("stats", "--url", sqlite_url)).stdout
    assert "vouchers: 3" in table
    assert re.search(r"^  available\s+2$", table, re.M)
    assert re.search(r"^  partially_redeemed\s+1$", table, re.M)
    assert re.search(r"^  shop\s+gift-codes\s+50\s+0\s+50$", table, re.M)
    assert re.search(r"^  other\s+plain\s+1\s+0\s+1$", table, re.M)
    capsys.readouterr()
    assert main(["stats", "--tenant", "other", "--json", "--url", sqlite_url]) == 0
    scoped = json.loads(capsys.readouterr().out)
    assert scoped["vouchers"] == {"available": 1}
    assert scoped["pools"] == [{"tenant": "other", "pool": "plain", "size": 1, "issued": 0, "remaining": 1}]
    assert scoped["holds_pending"] == 0


def test_the_example_in_docs_fixtures_md_loads_twice(database_url: str, tmp_path: Path) -> None:
    migrated_url = migrated(database_url)
    doc = (ROOT / "docs" / "fixtures.md").read_text()
    toml_blocks = re.findall(r"```toml\n(.*?)```", doc, re.S)
    csv_blocks = re.findall(r"```csv\n(.*?)```", doc, re.S)
    assert len(toml_blocks) == 1 and len(csv_blocks) == 1
    (tmp_path / "codes.csv").write_text(csv_blocks[0])
    (tmp_path / "example.toml").write_text(toml_blocks[0])
    out = ok(cli("load", str(tmp_path / "example.toml"), "--url", migrated_url)).stdout
    assert "0 already present" in out
    printed = re.findall(r"^  (\w+) acme/\S+ (\w+): \S+$", out, re.M)
    assert sorted(printed) == [
        ("client", "client_id"),
        ("client", "client_secret"),
        ("distributor", "token"),
        ("partner", "shared_secret"),
        ("staff", "password"),
        ("webhook", "secret"),
    ]
    counts = row_counts(migrated_url)
    again = ok(cli("load", str(tmp_path / "example.toml"), "--url", migrated_url)).stdout
    assert "secrets" not in again
    assert row_counts(migrated_url) == counts
    with open_engine(migrated_url) as engine:
        assert engine.pool_status("acme", "spring").size == 500
        assert engine.get_voucher("acme", code="ACME-100-EUR").balance() == Money(10000, "EUR")
