"""``Identity``: the identity services built from one engine (its database, clock, ids and
random source). Hosts and adapters hold one per engine; it is thread-safe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from voucher_engine.identity.clients import ApiClients
from voucher_engine.identity.config import IdentityConfig
from voucher_engine.identity.distributors import Distributors
from voucher_engine.identity.families import Families
from voucher_engine.identity.hashing import SecretHasher
from voucher_engine.identity.keyring import SigningKeys
from voucher_engine.identity.partners import Partners
from voucher_engine.identity.sessions import Sessions
from voucher_engine.identity.staff import StaffUsers
from voucher_engine.identity.tokens import TokenService

if TYPE_CHECKING:
    from voucher_engine.engine import Engine


class Identity:
    """API clients, distributors, partners and sessions, staff users, and the signing keys.

    Each group of operations lives on its own attribute (``identity.clients.create_client``);
    the operations an adapter calls on every request are also here, flat."""

    def __init__(self, engine: Engine, config: IdentityConfig | None = None) -> None:
        self.config = config = config or IdentityConfig()
        db, clock, ids, random = engine._db, engine.clock, engine.ids, engine.random
        self.keys = SigningKeys(db, clock, ids, random, config.signing_keys, config.key_cache_ttl)
        self.tokens = TokenService(self.keys, clock, ids, config)
        hasher = SecretHasher(config.argon2, random)
        self.clients = ApiClients(db, clock, ids, random, hasher, self.tokens, config)
        self.distributors = Distributors(db, clock, random)
        self.partners = Partners(db, clock, config)
        self.sessions = Sessions(self.partners, self.tokens, config.session_ttl)
        self.families = Families(db, clock, ids, random, config.refresh_ttl)
        self.staff = StaffUsers(db, clock, ids, hasher, self.tokens, self.families, config)

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
