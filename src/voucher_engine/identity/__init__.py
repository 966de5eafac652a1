"""Identity and tokens: API clients (OAuth2 client credentials and the token endpoint's logic),
distributors (bearer tokens), partners (partner-signed single-use JWTs, sessions), staff users
(directory, permission sets, login, rotating refresh tokens, API keys), and the JWTs we sign. Framework-neutral: adapters call this and map the errors
(``Unauthorized``, ``Forbidden``) to their statuses. See docs/identity.md."""

from voucher_engine.errors import OAuthError, PermissionDenied
from voucher_engine.identity.config import Argon2Params, IdentityConfig
from voucher_engine.identity.results import (
    ALL_PERMISSIONS,
    AccessToken,
    ApiKeyInfo,
    ClientInfo,
    ClientTokenCount,
    DistributorIdentity,
    DistributorInfo,
    NewApiKey,
    NewClient,
    OAuthToken,
    PartnerToken,
    Principal,
    Session,
    SessionToken,
    StaffGrant,
    StaffPrincipal,
    StaffTokens,
    StaffUser,
)
from voucher_engine.identity.service import Identity
from voucher_engine.identity.tokens import TokenKind

__all__ = [
    "ALL_PERMISSIONS",
    "AccessToken",
    "ApiKeyInfo",
    "Argon2Params",
    "ClientInfo",
    "ClientTokenCount",
    "DistributorIdentity",
    "DistributorInfo",
    "Identity",
    "IdentityConfig",
    "NewApiKey",
    "NewClient",
    "OAuthError",
    "OAuthToken",
    "PartnerToken",
    "PermissionDenied",
    "Principal",
    "Session",
    "SessionToken",
    "StaffGrant",
    "StaffPrincipal",
    "StaffTokens",
    "StaffUser",
    "TokenKind",
]
