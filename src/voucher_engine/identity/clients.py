"""API clients and the OAuth2 client-credentials grant (RFC 6749 4.4).

A client belongs to one tenant, has a secret (shown once at creation, stored as an argon2id
hash) and a set of allowed scopes. Its access tokens are stateless JWTs: disabling a client
or rotating its secret stops new tokens at once; tokens already issued live out their
``access_ttl`` (15 minutes by default).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update

from voucher_engine.clock import IdSource, RandomSource
from voucher_engine.errors import Forbidden, InvalidScope, NotFound, Unauthorized, ValidationError
from voucher_engine.identity.attempts import CLIENT, FailedAttempts
from voucher_engine.identity.config import IdentityConfig
from voucher_engine.identity.hashing import SecretHasher
from voucher_engine.identity.opaque import checked_given, new_token
from voucher_engine.identity.results import AccessToken, ClientInfo, NewClient, Principal
from voucher_engine.identity.scopes import format_scopes, parse_scopes
from voucher_engine.identity.store import Store, require_tenant
from voucher_engine.identity.tokens import TokenKind, TokenService
from voucher_engine.storage.identity_tables import api_clients

if TYPE_CHECKING:
    from voucher_engine.engine.base import Tx


class ApiClients:
    def __init__(
        self,
        store: Store,
        ids: IdSource,
        random: RandomSource,
        hasher: SecretHasher,
        tokens: TokenService,
        config: IdentityConfig,
        *,
        attempts: FailedAttempts,
    ) -> None:
        self._attempts = attempts
        self._store = store
        self._ids = ids
        self._random = random
        self._hasher = hasher
        self._tokens = tokens
        self._config = config

    # --- administration ---------------------------------------------------------------------

    def create_client(
        self, tenant_id: str, scopes: Iterable[str] | str, name: str = "", *, secret: str | None = None
    ) -> NewClient:
        """A new client; its secret is generated, or ``secret`` (one agreed beforehand, see
        ``opaque.checked_given``), and returned once."""
        allowed = parse_scopes(scopes)
        if not allowed:
            raise ValidationError("a client needs at least one scope")
        client_id = self._ids.new("cli")
        secret = checked_given(secret) if secret is not None else new_token(self._random, "cs_")
        secret_hash = self._hasher.hash(secret)  # before the transaction: argon2 is slow

        def create(tx: Tx) -> None:
            require_tenant(tx.conn, tenant_id)
            tx.conn.execute(
                insert(api_clients),
                {
                    "id": client_id,
                    "tenant_id": tenant_id,
                    "name": name or client_id,
                    "secret_hash": secret_hash,
                    "scopes": sorted(allowed),
                    "active": True,
                    "created_at": tx.now,
                },
            )

        self._store.write(tenant_id, "create_client", create, {"client_id": client_id, "scopes": sorted(allowed)})
        return NewClient(tenant_id, client_id, secret, allowed)

    def rotate_client_secret(self, tenant_id: str, client_id: str) -> str:
        """A new secret, returned once; the old one stops working at once."""
        secret = new_token(self._random, "cs_")
        self._update(tenant_id, client_id, "rotate_client_secret", secret_hash=self._hasher.hash(secret))
        return secret

    def set_client_scopes(self, tenant_id: str, client_id: str, scopes: Iterable[str] | str) -> None:
        allowed = parse_scopes(scopes)
        if not allowed:
            raise ValidationError("a client needs at least one scope")
        self._update(tenant_id, client_id, "set_client_scopes", scopes=sorted(allowed))

    def list_clients(self, tenant_id: str) -> list[ClientInfo]:
        rows = self._store.read(
            lambda conn: conn.execute(
                select(
                    api_clients.c.id,
                    api_clients.c.name,
                    api_clients.c.scopes,
                    api_clients.c.active,
                    api_clients.c.created_at,
                )
                .where(api_clients.c.tenant_id == tenant_id)
                .order_by(api_clients.c.created_at, api_clients.c.id)
            ).all()
        )
        return [ClientInfo(tenant_id, r.id, r.name, frozenset(r.scopes), r.active, r.created_at) for r in rows]

    def disable_client(self, tenant_id: str, client_id: str) -> None:
        self._update(tenant_id, client_id, "disable_client", active=False)

    def _update(self, tenant_id: str, client_id: str, operation: str, **values: object) -> None:
        def change(tx: Tx) -> None:
            changed = tx.conn.execute(
                update(api_clients)
                .where(api_clients.c.tenant_id == tenant_id, api_clients.c.id == client_id)
                .values(**values)
            ).rowcount
            if changed != 1:
                raise NotFound(f"no client {client_id!r}")

        self._store.write(tenant_id, operation, change, {"client_id": client_id})

    # --- the grant and its tokens -----------------------------------------------------------

    def client_credentials(
        self, client_id: str, secret: str, requested_scopes: Iterable[str] | str | None = None
    ) -> AccessToken:
        """Exchange a client's id and secret for an access token (RFC 6749 4.4).

        No scopes requested: every allowed scope is granted. Otherwise the request must be a
        subset of the allowed scopes, or ``InvalidScope``. The HTTP-shaped grant (form, Basic,
        RFC error names) is ``Identity.oauth.token``."""
        requested = parse_scopes(requested_scopes)
        with self._attempts.limited(CLIENT, client_id):
            row = self._store.read(
                lambda conn: conn.execute(
                    select(
                        api_clients.c.tenant_id,
                        api_clients.c.secret_hash,
                        api_clients.c.scopes,
                        api_clients.c.active,
                    ).where(api_clients.c.id == client_id)
                ).first()
            )
            matched = self._hasher.verify(row.secret_hash if row else None, secret)
            if row is None or not matched or not row.active:
                raise Unauthorized("invalid client credentials", reason="client")
        allowed = frozenset(row.scopes)
        if not requested <= allowed:
            raise InvalidScope(
                "the requested scope exceeds what this client may ask for",
                refused=format_scopes(requested - allowed),
            )
        granted = requested or allowed
        ttl = self._config.access_ttl
        signed = self._tokens.issue(
            TokenKind.ACCESS,
            {"sub": client_id, "tid": row.tenant_id, "scope": format_scopes(granted)},
            ttl,
        )
        return AccessToken(
            signed.token,
            int(ttl.total_seconds()),
            format_scopes(granted),
            tenant_id=row.tenant_id,
            client_id=client_id,
        )

    def verify_access(
        self, token: str, required_scope: str | None = None, *, tenant_id: str | None = None
    ) -> Principal:
        """The client behind an access token. ``Unauthorized`` for a bad, expired or foreign
        token (another kind, audience, issuer, or ``tenant_id`` when given); ``Forbidden``
        when the token is valid but lacks ``required_scope``."""
        with self._attempts.limited():
            claims = self._tokens.verify(token, TokenKind.ACCESS)
            tid, sub, scope = claims.get("tid"), claims.get("sub"), claims.get("scope")
            if not (isinstance(tid, str) and isinstance(sub, str) and isinstance(scope, str)):
                raise Unauthorized("invalid token", reason="claims")
            if tenant_id is not None and tid != tenant_id:
                raise Unauthorized("invalid token", reason="tenant")
        principal = Principal(tid, sub, frozenset(scope.split()))
        if required_scope is not None and required_scope not in principal.scopes:
            raise Forbidden(f"this operation needs the scope {required_scope!r}")
        return principal
