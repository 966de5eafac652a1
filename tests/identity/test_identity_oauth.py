"""The core token service (RFC 6749 4.4): credentials in the form or by Basic, scopes, the
client_type statistics, and every refusal named as RFC 6749 5.2 names it, writing nothing."""

from __future__ import annotations

from datetime import date, timedelta

import jwt
import pytest
from sqlalchemy import func, select

from voucher_engine.errors import OAuthError
from voucher_engine.identity import OAuthToken
from voucher_engine.storage.identity_tables import client_token_stats

GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def client(identity):
    return identity.clients.create_client("acme", ["read", "use", "manage"])


def _stats_rows(engine) -> int:
    return engine._read(lambda c: c.execute(select(func.count()).select_from(client_token_stats)).scalar_one())


def test_form_credentials_get_every_allowed_scope(identity, client) -> None:
    issued = identity.oauth.token({**GRANT, "client_id": client.client_id, "client_secret": client.secret})
    assert isinstance(issued, OAuthToken)
    assert issued.response() == {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": 900,
        "scope": "manage read use",
    }
    principal = identity.verify_access(issued.access_token, "use")
    assert (principal.tenant_id, principal.client_id) == ("acme", client.client_id)
    assert (issued.tenant_id, issued.client_id) == ("acme", client.client_id)


def test_basic_credentials_and_a_narrower_scope(identity, client) -> None:
    issued = identity.oauth.token({**GRANT, "scope": "use read"}, (client.client_id, client.secret))
    assert issued.scope == "read use"
    assert identity.verify_access(issued.access_token).scopes == {"read", "use"}
    # RFC 6749 2.3.1: each Basic half is form-encoded by the client; the service decodes it.
    encoded = identity.oauth.token(GRANT, (client.client_id.replace("_", "%5F"), client.secret))
    assert encoded.client_id == client.client_id


def test_client_type_is_counted_per_client_type_and_day(identity, client, engine, clock) -> None:
    basic = (client.client_id, client.secret)
    identity.oauth.token({**GRANT, "client_type": "pos"}, basic)
    identity.oauth.token({**GRANT, "client_type": "pos"}, basic)
    identity.oauth.token({**GRANT, "client_type": "x" * 32}, basic)
    identity.oauth.token(GRANT, basic)
    clock.advance(timedelta(days=1))
    identity.oauth.token({**GRANT, "client_type": "pos"}, basic)
    today = clock.now().date()
    counts = {(c.client_type, c.day): c.tokens for c in identity.oauth.client_token_stats("acme")}
    assert counts == {
        ("", today - timedelta(days=1)): 1,
        ("pos", today - timedelta(days=1)): 2,
        ("x" * 32, today - timedelta(days=1)): 1,
        ("pos", today): 1,
    }
    assert [c.tokens for c in identity.oauth.client_token_stats("acme", since=today)] == [1]
    assert identity.oauth.client_token_stats("globex") == []
    assert identity.oauth.client_token_stats("acme", until=date(2000, 1, 1)) == []


def test_every_refusal_has_its_rfc_name_and_writes_nothing(identity, client, engine) -> None:
    form_auth = {"client_id": client.client_id, "client_secret": client.secret}
    basic = (client.client_id, client.secret)
    cases = {
        "missing grant_type": ({"scope": "read", **form_auth}, None, "invalid_request"),
        "empty grant_type": ({"grant_type": "", **form_auth}, None, "invalid_request"),
        "wrong grant": ({"grant_type": "password", **form_auth}, None, "unsupported_grant_type"),
        "bad secret": (GRANT, (client.client_id, client.secret + "x"), "invalid_client"),
        "unknown client": (
            {**GRANT, "client_id": "cli_nobody", "client_secret": client.secret},
            None,
            "invalid_client",
        ),
        "no credentials": (GRANT, None, "invalid_client"),
        "id without secret": ({**GRANT, "client_id": client.client_id}, None, "invalid_client"),
        "scope outside the client's": ({**GRANT, "scope": "read recharge"}, basic, "invalid_scope"),
        "malformed scope": ({**GRANT, "scope": 'read "use"'}, basic, "invalid_scope"),
        "client_type of 33 characters": ({**GRANT, "client_type": "x" * 33}, basic, "invalid_request"),
        "credentials twice": ({**GRANT, **form_auth}, basic, "invalid_request"),
        "secret in the form, id by Basic": ({**GRANT, "client_secret": client.secret}, basic, "invalid_request"),
    }
    wrong = {}
    for case, (form, credentials, expected) in cases.items():
        try:
            identity.oauth.token(form, credentials)
            wrong[case] = "issued a token"
        except OAuthError as refused:
            if refused.error != expected or not refused.description or refused.code != "oauth_error":
                wrong[case] = f"{refused.error}: {refused.description}"
    assert wrong == {}
    assert _stats_rows(engine) == 0


def test_a_disabled_client_is_an_invalid_client(identity, client) -> None:
    identity.clients.disable_client("acme", client.client_id)
    with pytest.raises(OAuthError) as refused:
        identity.oauth.token(GRANT, (client.client_id, client.secret))
    assert refused.value.error == "invalid_client"


def test_the_token_is_a_jwt_whose_lifetime_is_expires_in(identity, client) -> None:
    issued = identity.oauth.token(GRANT, (client.client_id, client.secret))
    claims = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == issued.expires_in == 900
    assert (claims["sub"], claims["tid"], claims["typ"]) == (client.client_id, "acme", "access")


def test_oauth_error_names_only_rfc_errors() -> None:
    with pytest.raises(ValueError):
        OAuthError("access_denied", "not a token-endpoint error")
