"""Identity and tokens: API clients (OAuth2 client credentials), distributors (bearer tokens),
partners (partner-signed single-use JWTs, sessions), staff users (login, rotating refresh
tokens), and the JWTs we sign. Framework-neutral: adapters call this and map the errors
(``Unauthorized``, ``Forbidden``) to their statuses. See docs/identity.md."""

from voucher_engine.identity.config import Argon2Params, IdentityConfig
from voucher_engine.identity.results import (
    AccessToken,
    ClientInfo,
    DistributorIdentity,
    DistributorInfo,
    NewClient,
    PartnerToken,
    Principal,
    Session,
    SessionToken,
    StaffPrincipal,
    StaffTokens,
    StaffUser,
)
from voucher_engine.identity.service import Identity
from voucher_engine.identity.tokens import TokenKind

__all__ = [
    "AccessToken", "Argon2Params", "ClientInfo", "DistributorIdentity", "DistributorInfo",
    "Identity", "IdentityConfig", "NewClient", "PartnerToken", "Principal", "Session", "SessionToken", "StaffPrincipal",
    "StaffTokens", "StaffUser", "TokenKind",
]
