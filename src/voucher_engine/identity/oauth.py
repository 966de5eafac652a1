"""The OAuth 2 token endpoint's logic for the client-credentials grant (RFC 6749 4.4 with
2.3.1, 3.2, 5.1 and 5.2), framework-neutral: a provider parses the HTTP request (the form, the
``Authorization: Basic`` header), calls ``token(form, basic)``, and renders the ``OAuthToken``
or the ``OAuthError`` (401 for ``invalid_client``, else 400; ``Cache-Control: no-store``).

What stays with the provider: the content type, repeated parameters (RFC 6749 3.2, a
``Mapping`` cannot carry them), decoding the Basic header. What is here: which parameter is
missing or wrong, client authentication (in the form *or* by Basic, never both), the scope (a
subset of the client's), and ``client_type`` (optional, at most 32 characters, counted per
client and day in ``client_token_stats`` for statistics, never used for a decision).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from voucher_engine.errors import InvalidData, InvalidScope, OAuthError, Unauthorized, ValidationError
from voucher_engine.identity.clients import ApiClients
from voucher_engine.identity.results import ClientTokenCount, OAuthToken
from voucher_engine.identity.store import Store
from voucher_engine.screening import screen_text
from voucher_engine.storage.identity_tables import client_token_stats

if TYPE_CHECKING:
    from voucher_engine.engine.base import Tx

GRANT_TYPE = "client_credentials"
MAX_CLIENT_TYPE = 32


def _present(form: Mapping[str, str], name: str) -> str | None:
    """RFC 6749 3.1: a parameter sent without a value is treated as omitted."""
    value = form.get(name)
    return value if isinstance(value, str) and value != "" else None


class OAuthTokens:
    def __init__(self, store: Store, clients: ApiClients) -> None:
        self._store = store
        self._clients = clients

    def token(self, form: Mapping[str, str], basic: tuple[str, str] | None = None) -> OAuthToken:
        """Answer a token request: ``form`` is the decoded body, ``basic`` the (user, password)
        pair of an ``Authorization: Basic`` header exactly as decoded from base64 (this method
        applies RFC 6749 2.3.1's form-decoding to each half).

        Refusals, in the order they are checked: no ``grant_type``, credentials both in the
        form and by Basic, a ``client_type`` over 32 characters: ``invalid_request``; no
        credentials, unknown client, wrong secret, disabled client: ``invalid_client``; a
        grant other than client_credentials: ``unsupported_grant_type``; a malformed scope or
        one beyond the client's: ``invalid_scope``. A refusal writes nothing."""
        grant = _present(form, "grant_type")
        if grant is None:
            raise OAuthError("invalid_request", "grant_type is required")
        client_type = _present(form, "client_type")
        if client_type is not None and len(client_type) > MAX_CLIENT_TYPE:
            raise OAuthError("invalid_request", f"client_type is at most {MAX_CLIENT_TYPE} characters")
        for name in ("client_type", "scope"):
            problem = screen_text(_present(form, name) or "", name)
            if problem is not None:
                raise OAuthError("invalid_request", f"{name}: {problem.message}")
        client_id, secret = self._credentials(form, basic)
        if grant != GRANT_TYPE:
            raise OAuthError("unsupported_grant_type", f"the only grant type is {GRANT_TYPE}")
        try:
            issued = self._clients.client_credentials(client_id, secret, _present(form, "scope"))
        except Unauthorized:
            raise OAuthError("invalid_client", "client authentication failed") from None
        except InvalidData as error:  # e.g. a NUL in the client id: malformed, not a scope
            raise OAuthError("invalid_request", error.message) from None
        except (InvalidScope, ValidationError) as error:
            raise OAuthError("invalid_scope", error.message) from None
        self._count(issued, client_type or "")
        return issued

    @staticmethod
    def _credentials(form: Mapping[str, str], basic: tuple[str, str] | None) -> tuple[str, str]:
        in_form = _present(form, "client_id") is not None or _present(form, "client_secret") is not None
        if basic is not None and in_form:
            raise OAuthError("invalid_request", "use one way of client authentication, not two")
        if basic is not None:
            client_id, secret = unquote_plus(basic[0]), unquote_plus(basic[1])
        else:
            client_id, secret = _present(form, "client_id") or "", _present(form, "client_secret") or ""
        if not client_id or not secret:
            raise OAuthError("invalid_client", "client authentication is required")
        if screen_text(client_id, "client_id") or screen_text(secret, "client_secret"):
            # No client has such an id, and the database is not asked about one it cannot store.
            raise OAuthError("invalid_client", "client authentication failed")
        return client_id, secret

    def _count(self, issued: OAuthToken, client_type: str) -> None:
        """One more token for (client, client_type, today): a single upsert, so parallel token
        requests never lose a count nor collide on the first insert of the day."""

        def count(tx: Tx) -> None:
            dialect = tx.conn.dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            key = {
                "tenant_id": issued.tenant_id,
                "client_id": issued.client_id,
                "client_type": client_type,
                "day": tx.now.date(),
            }
            statement = insert(client_token_stats).values(**key, tokens=1, last_issued_at=tx.now)
            tx.conn.execute(
                statement.on_conflict_do_update(
                    index_elements=list(key),
                    set_={
                        "tokens": client_token_stats.c.tokens + 1,
                        "last_issued_at": statement.excluded.last_issued_at,
                    },
                )
            )

        request = {"client_id": issued.client_id, "client_type": client_type}
        self._store.write(issued.tenant_id, "count_client_token", count, request)

    def client_token_stats(
        self, tenant_id: str, *, since: date | None = None, until: date | None = None
    ) -> list[ClientTokenCount]:
        """The tenant's token counts per client, client_type and UTC day (``since`` and
        ``until`` inclusive), oldest day first."""
        query = select(client_token_stats).where(client_token_stats.c.tenant_id == tenant_id)
        if since is not None:
            query = query.where(client_token_stats.c.day >= since)
        if until is not None:
            query = query.where(client_token_stats.c.day <= until)
        query = query.order_by(
            client_token_stats.c.day, client_token_stats.c.client_id, client_token_stats.c.client_type
        )
        rows = self._store.read(lambda conn: conn.execute(query).all())
        return [ClientTokenCount(r.client_id, r.client_type, r.day, r.tokens, r.last_issued_at) for r in rows]


__all__ = ["GRANT_TYPE", "MAX_CLIENT_TYPE", "OAuthTokens"]
