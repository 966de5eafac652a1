"""Fixture files declare the identities too: API clients, distributors, partners, webhook
endpoints and staff users. Secrets are generated and shown once at the first load (or read from
the variables the file names), each one works, and a reload changes nothing."""

from __future__ import annotations

import base64
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

[[clients]]
name = "shop"
scopes = ["jtl:read"]
secret_env = "VE_TEST_SHOP_CLIENT_SECRET"

[[distributors]]
id = "DIST-1"
name = "Kiosk one"

[[distributors]]
id = "DIST-2"
token_env = "VE_TEST_DIST_2_TOKEN"

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

[[webhooks]]
url = "http://127.0.0.1:9/agreed"
secret_env = "VE_TEST_AGREED_WEBHOOK_SECRET"

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
#: Secrets agreed beforehand, as an operator's secret store would hand them over.
GIVEN = {
    "VE_TEST_SHOP_CLIENT_SECRET": "shop-client-secret-" + "k" * 40,
    "VE_TEST_DIST_2_TOKEN": "dt_" + "t" * 43,
    "VE_TEST_AGREED_WEBHOOK_SECRET": "whsec_" + base64.b64encode(b"w" * 32).decode(),
}


def secrets_of(out: str) -> dict[str, str]:
    """``kind tenant/name field: value`` lines of the load's output -> {"kind name field": value}."""
    return {f"{k} {n} {f}": v for k, n, f, v in re.findall(r"^  (\w+) acme/(\S+) (\w+): (\S+)$", out, re.M)}


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("VE_TEST_SHOP_77_SECRET", SHOP_77_SECRET)
    monkeypatch.setenv("VE_TEST_TILL_PASSWORD", TILL_PASSWORD)
    for variable, value in GIVEN.items():
        monkeypatch.setenv(variable, value)
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
    for section in ("clients", "distributors", "webhooks", "partners", "staff"):
        assert re.search(rf"^  {section}:\s+2 created, 0 updated, 0 already present$", out, re.M), out
    shown = secrets_of(out)
    # Generated ones only: those taken from the environment are not echoed.
    assert sorted(shown) == [
        "client ops client_id",
        "client ops client_secret",
        "client shop client_id",
        "distributor DIST-1 token",
        "partner shop-42 shared_secret",
        "staff ops@acme.example password",
        "webhook http://127.0.0.1:9/hook secret",
    ]
    assert not any(given in out for given in (SHOP_77_SECRET, TILL_PASSWORD, *GIVEN.values()))

    with open_engine(database_url) as engine:
        identity = Identity(engine)
        access = identity.client_credentials(shown["client ops client_id"], shown["client ops client_secret"])
        assert (access.tenant_id, access.scope) == ("acme", "admin")
        shop = identity.client_credentials(shown["client shop client_id"], GIVEN["VE_TEST_SHOP_CLIENT_SECRET"])
        assert shop.scope == "jtl:read"
        assert identity.authenticate_distributor(GIVEN["VE_TEST_DIST_2_TOKEN"]).distributor_id == "DIST-2"
        assert identity.authenticate_distributor(shown["distributor DIST-1 token"]).distributor_id == "DIST-1"
        for partner, key, audience in (
            ("shop-42", shown["partner shop-42 shared_secret"], None),
            ("shop-77", SHOP_77_SECRET, "voucher-engine"),
        ):
            token = PartnerSigner(SystemClock(), partner, key, tenant="acme").sign(aud=audience)
            assert identity.use_partner_jwt("acme", token, partner_id=partner).partner_id == partner
        assert identity.login("acme", "ops@acme.example", shown["staff ops@acme.example password"], "admin")
        till = identity.staff.find_staff_user("acme", email="till@acme.example")
        assert till.roles == {}
        endpoint, agreed = Webhooks(engine).list_endpoints("acme")
        assert (endpoint.event_types, endpoint.provider) == (("voucher.issued",), "jackpot")
        assert Webhooks(engine).rotate_secret("acme", agreed.id).secret != GIVEN["VE_TEST_AGREED_WEBHOOK_SECRET"]
    before = row_counts(database_url)

    assert main(["--config", str(config), "load", str(fixture), "--url", database_url]) == 0
    again = capsys.readouterr().out
    assert "secrets" not in again and secrets_of(again) == {}
    for section in ("clients", "distributors", "webhooks"):
        assert re.search(rf"^  {section}:\s+0 created, 0 updated, 2 already present$", again, re.M), again
    assert row_counts(database_url) == before


def test_bad_identity_entries_are_named_and_nothing_is_written(
    sqlite_url: str,
    files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
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
[[clients]]
name = "weak"
scopes = ["admin"]
secret_env = "VE_TEST_WEAK"
[[distributors]]
id = "E"
token_env = "VE_TEST_WEAK"
[[webhooks]]
url = "http://127.0.0.1:9/weak"
secret_env = "VE_TEST_WEAK"
[[staff]]
email = "not-an-email"
[[staff]]
tenant = "ghost"
email = "a@ghost.example"
""")
    monkeypatch.setenv("VE_TEST_WEAK", "short")
    assert main(["--config", str(config), "db", "upgrade", "--url", sqlite_url]) == 0
    before = row_counts(sqlite_url)
    assert main(["--config", str(config), "load", str(bad), "--url", sqlite_url]) == 2
    err = capsys.readouterr().err
    for expected in [
        "partners[0] ('p1'): secret_env: the environment variable VE_TEST_NOT_SET_ANYWHERE is not set",
        "partners[1] ('p2'): algorithm: ES256 needs public_key or public_key_file",
        "partners[2] ('p3'): register the partner's public key, never its private key",
        "clients[0] ('c'): scopes: at least one scope",
        "clients[1] ('weak'): secret_env: a given secret is 43 to 1024 printable characters",
        "distributors[2] ('E'): token_env: a given secret starts with 'dt_'",
        "webhooks[2] ('http://127.0.0.1:9/weak'): secret_env: a webhook secret starts with 'whsec_'",
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
