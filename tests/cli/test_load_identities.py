"""Fixture files declare the identities too: API clients, distributors, partners, webhook
endpoints and staff users. Secrets are generated and shown once at the first load (or read from
the variables the file names), each one works, and a reload changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import open_engine, row_counts

from voucher_engine import SystemClock
from voucher_engine.cli import main
from voucher_engine.delivery import Webhooks
from voucher_engine.identity import Identity
from voucher_engine.testing import PartnerSigner

FIXTURE = """
tenant = "acme"

[[tenants]]
id = "acme"

[[clients]]
name = "ops"
scopes = ["admin"]

[[distributors]]
id = "DIST-1"
name = "Kiosk one"

[[partners]]
id = "shop-42"

[[partners]]
id = "shop-77"
secret_env = "VE_TEST_SHOP_77_SECRET"
audience = "voucher-engine"

[[webhooks]]
url = "http://127.0.0.1:9/hook"
event_types = ["voucher.issued"]
provider = "jackpot"

[[staff]]
email = "ops@acme.example"
full_name = "Ops"
roles = { admin = "admin" }

[[staff]]
email = "till@acme.example"
password_env = "VE_TEST_TILL_PASSWORD"
"""
NETWORKS = '[webhooks]\nnetworks = ["127.0.0.1/32"]\n'
SHOP_77_SECRET = "shop-77-shared-secret-0123456789abcdef"
TILL_PASSWORD = "till-password-from-the-environment"


def secrets_of(out: str) -> dict[str, str]:
    """``kind tenant/name field: value`` lines of the load's output -> {"kind name field": value}."""
    return {f"{k} {n} {f}": v for k, n, f, v in re.findall(r"^  (\w+) acme/(\S+) (\w+): (\S+)$", out, re.M)}


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("VE_TEST_SHOP_77_SECRET", SHOP_77_SECRET)
    monkeypatch.setenv("VE_TEST_TILL_PASSWORD", TILL_PASSWORD)
    (tmp_path / "identities.toml").write_text(FIXTURE)
    (tmp_path / "config.toml").write_text(NETWORKS)
    return tmp_path / "identities.toml", tmp_path / "config.toml"


def test_first_load_shows_each_secret_once_and_each_works_then_a_reload_changes_nothing(
    database_url: str, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fixture, config = files
    assert main(["--config", str(config), "db", "upgrade", "--url", database_url]) == 0
    assert main(["--config", str(config), "load", str(fixture), "--url", database_url]) == 0
    out = capsys.readouterr().out
    for section in ("clients", "distributors", "webhooks"):
        assert re.search(rf"^  {section}:\s+1 created, 0 updated, 0 already present$", out, re.M), out
    for section in ("partners", "staff"):
        assert re.search(rf"^  {section}:\s+2 created, 0 updated, 0 already present$", out, re.M), out
    shown = secrets_of(out)
    # Generated ones only: the two taken from the environment are not echoed.
    assert sorted(shown) == [
        "client ops client_id", "client ops client_secret", "distributor DIST-1 token",
        "partner shop-42 shared_secret", "staff ops@acme.example password",
        "webhook http://127.0.0.1:9/hook secret",
    ]
    assert SHOP_77_SECRET not in out and TILL_PASSWORD not in out

    with open_engine(database_url) as engine:
        identity = Identity(engine)
        access = identity.client_credentials(shown["client ops client_id"], shown["client ops client_secret"])
        assert (access.tenant_id, access.scope) == ("acme", "admin")
        assert identity.authenticate_distributor(shown["distributor DIST-1 token"]).distributor_id == "DIST-1"
        for partner, key, audience in (("shop-42", shown["partner shop-42 shared_secret"], None),
                                       ("shop-77", SHOP_77_SECRET, "voucher-engine")):
            token = PartnerSigner(SystemClock(), partner, key, tenant="acme").sign(aud=audience)
            assert identity.use_partner_jwt("acme", token, partner_id=partner).partner_id == partner
        assert identity.login("acme", "ops@acme.example", shown["staff ops@acme.example password"], "admin")
        till = identity.staff.find_staff_user("acme", email="till@acme.example")
        assert till.roles == {}
        (endpoint,) = Webhooks(engine).list_endpoints("acme")
        assert (endpoint.event_types, endpoint.provider) == (("voucher.issued",), "jackpot")
    before = row_counts(database_url)

    assert main(["--config", str(config), "load", str(fixture), "--url", database_url]) == 0
    again = capsys.readouterr().out
    assert "secrets" not in again and secrets_of(again) == {}
    for section in ("clients", "distributors", "webhooks"):
        assert re.search(rf"^  {section}:\s+0 created, 0 updated, 1 already present$", again, re.M), again
    assert row_counts(database_url) == before


def test_bad_identity_entries_are_named_and_nothing_is_written(
    sqlite_url: str, files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, config = files
    bad = tmp_path / "bad.toml"
    bad.write_text("""
tenant = "acme"
[[tenants]]
id = "acme"
[[distributors]]
id = "D"
[[distributors]]
id = "D"
[[partners]]
id = "p1"
secret_env = "VE_TEST_NOT_SET_ANYWHERE"
[[partners]]
id = "p2"
algorithm = "ES256"
[[partners]]
id = "p3"
public_key = "-----BEGIN PRIVATE KEY-----"
[[webhooks]]
url = "http://10.1.2.3/hook"
[[webhooks]]
url = "http://127.0.0.1:9/x"
provider = "nosuch"
[[clients]]
name = "c"
scopes = []
[[staff]]
email = "not-an-email"
[[staff]]
tenant = "ghost"
email = "a@ghost.example"
""")
    assert main(["--config", str(config), "db", "upgrade", "--url", sqlite_url]) == 0
    before = row_counts(sqlite_url)
    assert main(["--config", str(config), "load", str(bad), "--url", sqlite_url]) == 2
    err = capsys.readouterr().err
    for expected in [
        "partners[0] ('p1'): secret_env: the environment variable VE_TEST_NOT_SET_ANYWHERE is not set",
        "partners[1] ('p2'): algorithm: ES256 needs public_key or public_key_file",
        "partners[2] ('p3'): register the partner's public key, never its private key",
        "clients[0] ('c'): scopes: at least one scope",
        "staff[0] ('not-an-email'): not an email address",
    ]:
        assert expected in err, err
    assert row_counts(sqlite_url) == before

    # The references, checked once every entry reads well.
    bad.write_text("""
tenant = "acme"
[[tenants]]
id = "acme"
[[distributors]]
id = "D"
[[distributors]]
id = "D"
[[webhooks]]
url = "http://10.1.2.3/hook"
[[webhooks]]
url = "http://127.0.0.1:9/x"
provider = "nosuch"
[[staff]]
tenant = "ghost"
email = "a@ghost.example"
""")
    assert main(["--config", str(config), "load", str(bad), "--url", sqlite_url]) == 2
    err = capsys.readouterr().err
    for expected in [
        "distributors: 'D' of tenant 'acme' is listed 2 times",
        "webhooks[0] ('http://10.1.2.3/hook'): webhook URLs may not point at private addresses (10.1.2.3)",
        "webhooks[1] ('http://127.0.0.1:9/x'): provider: no provider registered as 'nosuch'",
        "staff[0] ('a@ghost.example'): tenant 'ghost' is neither in the file nor in the database",
    ]:
        assert expected in err, err
    assert row_counts(sqlite_url) == before
