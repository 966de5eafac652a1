"""``voucher-engine client create``: the operator's way to the first admin credentials."""

from __future__ import annotations

import re

from cli_helpers import cli, ok

from voucher_engine.identity import Identity


def test_a_created_client_gets_tokens_for_its_scopes_only(engine, database_url):
    out = ok(cli("client", "create", "acme", "--scope", "admin", "--name", "ops", "--url", database_url)).stdout
    client_id = re.search(r"client_id:\s+(\S+)", out)[1]
    secret = re.search(r"client_secret:\s+(\S+)", out)[1]
    identity = Identity(engine)
    token = identity.clients.client_credentials(client_id, secret, None)
    principal = identity.clients.verify_access(token.access_token, "admin")
    assert (principal.tenant_id, principal.client_id) == ("acme", client_id)
    assert [c.client_id for c in identity.clients.list_clients("acme")] == [client_id]


def test_an_unknown_tenant_is_refused_with_one_line(engine, database_url):
    result = cli("client", "create", "nobody", "--scope", "admin", "--url", database_url)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["error: tenant_not_found: no tenant 'nobody'"]
