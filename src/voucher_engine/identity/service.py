"""``Identity``: the identity services built from one engine (its command runner, clock, ids
and random source). Hosts and adapters hold one per engine (``engine.shared(Identity)``); it
is thread-safe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voucher_engine.identity.api_keys import API_KEY_PREFIX, ApiKeys
from voucher_engine.identity.attempts import FailedAttempts
from voucher_engine.identity.clients import ApiClients
from voucher_engine.identity.config import IdentityConfig
from voucher_engine.identity.distributors import Distributors
from voucher_engine.identity.families import Families
from voucher_engine.identity.hashing import SecretHasher
from voucher_engine.identity.keyring import SigningKeys
from voucher_engine.identity.oauth import OAuthTokens
from voucher_engine.identity.partners import Partners
from voucher_engine.identity.results import StaffPrincipal
from voucher_engine.identity.sessions import Sessions
from voucher_engine.identity.staff import StaffUsers
from voucher_engine.identity.store import Store
from voucher_engine.identity.tokens import TokenService

if TYPE_CHECKING:
    from collections.abc import Collection

    from voucher_engine.engine import Engine


class Identity:
    """API clients and the OAuth token endpoint, distributors, partners and sessions, staff
    users (directory, sessions, API keys), and the signing keys.

    Each group of operations lives on its own attribute (``identity.clients.create_client``,
    ``identity.oauth.token``); the operations an adapter calls on every request are also here,
    flat."""

    def __init__(self, engine: Engine, config: IdentityConfig | None = None) -> None:
        self.config = config = config or IdentityConfig()
        store = Store(engine)
        clock, ids, random = engine.clock, engine.ids, engine.random
        self.keys = SigningKeys(store, clock, ids, random, config.signing_keys, config.key_cache_ttl)
        self.tokens = TokenService(self.keys, clock, ids, config)
        hasher = SecretHasher(config.argon2, random)
        #: Failed authentications, per client address and per identity (docs/identity.md).
        self.attempts = attempts = FailedAttempts(store, clock, config.attempt_limits)
        self.clients = ApiClients(store, ids, random, hasher, self.tokens, config, attempts=attempts)
        self.oauth = OAuthTokens(store, self.clients)
        self.distributors = Distributors(store, random, attempts)
        self.partners = Partners(store, clock, config, attempts)
        self.sessions = Sessions(self.partners, self.tokens, config.session_ttl, attempts)
        self.families = Families(store, ids, random, config.refresh_ttl)
        self.staff = StaffUsers(store, ids, hasher, self.tokens, self.families, config, attempts=attempts)
        self.api_keys = ApiKeys(store, ids, random, config, attempts)

        # The per-request checks, flat.
        self.client_credentials = self.clients.client_credentials
        self.verify_access = self.clients.verify_access
        self.authenticate_distributor = self.distributors.authenticate_distributor
        self.use_partner_jwt = self.partners.use_partner_jwt
        self.open_session = self.sessions.open_session
        self.verify_session = self.sessions.verify_session
        self.login = self.staff.login
        self.refresh = self.staff.refresh
        self.verify_staff = self.staff.verify_staff
        self.verify_api_key = self.api_keys.verify_api_key

    def verify_staff_bearer(
        self,
        token: str,
        *,
        roles: Collection[str] | None = None,
        tenant_id: str | None = None,
        scope: str | None = None,
        permission: str | None = None,
    ) -> StaffPrincipal:
        """A staff ``Authorization: Bearer`` value that may be either a staff access token or
        a staff API key (VoucherCart's "API key (or JWT token)"): keys start with ``ak_``,
        anything else is verified as a JWT. Same refusals as ``verify_staff`` /
        ``verify_api_key``; ``principal.via`` says which it was."""
        check = (
            self.verify_api_key if isinstance(token, str) and token.startswith(API_KEY_PREFIX) else self.verify_staff
        )
        return check(token, roles=roles, tenant_id=tenant_id, scope=scope, permission=permission)
