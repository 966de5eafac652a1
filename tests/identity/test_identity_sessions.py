"""Staff sessions: the access-token lifetime chosen per login (and kept by refresh), and a
revoked family killing its access tokens at once in another process (``verify_staff`` reads
the family on every call)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from voucher_engine.errors import Unauthorized, ValidationError

ONE_DAY = timedelta(days=1)


@pytest.fixture
def ann(identity):
    return identity.staff.create_staff_user("acme", "ann@example.com", "pw", roles={"d1": "admin"})


def _lifetime(token: str) -> int:
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["exp"] - claims["iat"]


def test_access_ttl_is_chosen_per_login_and_kept_by_refresh(identity, ann, clock) -> None:
    day = identity.login("acme", ann.email, "pw", "d1", access_ttl=ONE_DAY)
    assert _lifetime(day.access_token) == 86400
    assert day.expires_at == clock.now() + ONE_DAY
    clock.advance(timedelta(hours=23))
    assert identity.verify_staff(day.access_token).user_id == ann.id  # still valid after 23 h
    refreshed = identity.refresh(day.access_token, day.refresh_token)
    assert _lifetime(refreshed.access_token) == 86400
    default = identity.login("acme", ann.email, "pw", "d1")
    assert _lifetime(default.access_token) == 900
    assert _lifetime(identity.refresh(default.access_token, default.refresh_token).access_token) == 900
    clock.advance(timedelta(hours=1, seconds=31))  # past exp and the 30 s leeway
    with pytest.raises(Unauthorized) as expired:
        identity.verify_staff(day.access_token)
    assert expired.value.details["reason"] == "expired"


def test_access_ttl_out_of_range_is_refused(identity, ann) -> None:
    for ttl in (timedelta(0), timedelta(seconds=-5), timedelta(days=7, seconds=1)):
        with pytest.raises(ValidationError):
            identity.login("acme", ann.email, "pw", "d1", access_ttl=ttl)


OTHER_PROCESS = textwrap.dedent("""
    import json, sys
    from datetime import datetime
    from voucher_engine import Engine, EngineConfig, ManualClock
    from voucher_engine.identity import Argon2Params, Identity, IdentityConfig
    job = json.load(sys.stdin)
    clock = ManualClock(datetime.fromisoformat(job["now"]))  # the same instant as the test's clock
    engine = Engine.open(job["url"], clock=clock, config=EngineConfig(auto_migrate=False))
    identity = Identity(engine, IdentityConfig(argon2=Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1)))
    for attempt in range(2):  # the second presentation of one refresh token is a reuse
        try:
            identity.refresh(job["access"], job["refresh"])
            print("rotated")
        except Exception as error:
            print(error.details["reason"])
    engine.close()
""")


def test_a_reuse_in_another_process_kills_the_access_token_here_at_once(identity, ann, database_url, clock) -> None:
    tokens = identity.login("acme", ann.email, "pw", "d1", access_ttl=ONE_DAY)
    assert identity.verify_staff(tokens.access_token).family_id == tokens.family_id  # warm every cache here
    job = {
        "url": database_url,
        "now": clock.now().isoformat(),
        "access": tokens.access_token,
        "refresh": tokens.refresh_token,
    }
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["rotated", "reused"]
    with pytest.raises(Unauthorized) as refused:
        identity.verify_staff(tokens.access_token)  # a day of lifetime left, but its family is revoked
    assert refused.value.details["reason"] == "revoked"
