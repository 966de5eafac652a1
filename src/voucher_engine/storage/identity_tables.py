"""Identity tables: signing keys, API clients, distributors, partners and their used JWT ids,
staff users and roles, refresh-token families.

They share ``metadata`` with ``tables`` so Alembic and the tests see one schema. Nothing
secret is stored in clear except what must be usable as a key (the server's HMAC signing keys
and partners' HS256 secrets; see docs/identity.md).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from voucher_engine.storage.tables import metadata
from voucher_engine.storage.types import BigId, Json, UTCDateTime

PARTNER_ALGORITHMS = ("HS256", "ES256", "EdDSA")

signing_keys = Table(
    "signing_keys",
    metadata,
    # Rotation order: the highest serial signs. Not created_at, which ties under a test clock.
    Column("serial", BigId, primary_key=True, autoincrement=True),
    Column("kid", String(64), nullable=False, unique=True),
    Column("secret", String(128), nullable=False),  # base64url; usable to sign, so not hashed
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired_at", UTCDateTime),
)

api_clients = Table(
    "api_clients",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("secret_hash", String(255), nullable=False),  # argon2id
    Column("scopes", Json, nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "tenant_id"),
)

distributors = Table(
    "distributors",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    # SHA-256 of a 256-bit random token: looked up by index, unique across tenants.
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("token_rotated_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

partners = Table(
    "partners",
    metadata,
    Column("tenant_id", String(64), ForeignKey("tenants.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("algorithm", String(16), nullable=False),
    # HS256: the shared secret as given (it must verify, so it cannot be hashed);
    # ES256/EdDSA: the partner's public key (PEM), nothing secret.
    Column("key", Text, nullable=False),
    Column("audience", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint(
        "algorithm IN (" + ", ".join(repr(a) for a in PARTNER_ALGORITHMS) + ")",
        name="algorithm_known",
    ),
)

partner_jtis = Table(
    "partner_jtis",
    metadata,
    # The primary key is the single-use guarantee: the insert decides who used a jti first.
    Column("tenant_id", String(64), primary_key=True),
    Column("partner_id", String(64), primary_key=True),
    Column("jti", String(255), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False),  # prunable after this instant
    Column("used_at", UTCDateTime, nullable=False),
    ForeignKeyConstraint(["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"]),
    Index(None, "expires_at"),
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), ForeignKey("tenants.id"), nullable=False),
    Column("email", String(320), nullable=False),  # normalised: stripped, lower case
    Column("password_hash", String(255), nullable=False),  # argon2id
    Column("full_name", String(255), nullable=False),
    Column("locale", String(16), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    # Stable small number per tenant (1, 2, ...) for partner APIs with integer user ids;
    # assigned under a lock on the tenant row (see identity/staff_directory.py). Nullable
    # only so that SQLite need not rebuild the table in migration 0007; always set.
    Column("public_id", Integer),
    Column("phone", String(64)),
    Index(None, "tenant_id", "email", unique=True),
    Index(None, "tenant_id", "public_id", unique=True),
)

staff_roles = Table(
    "staff_roles",
    metadata,
    Column("user_id", String(40), ForeignKey("staff_users.id"), primary_key=True),
    Column("scope", String(128), primary_key=True),  # e.g. "domain:8" or "store:berlin"
    # A grant is a role, a set of named permissions ("redeem.voucher"), or both.
    Column("role", String(64)),
    Column("permissions", Json, nullable=False, server_default="[]"),
)

token_families = Table(
    "token_families",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("user_id", String(40), ForeignKey("staff_users.id"), nullable=False),
    Column("scope", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("revoked_reason", String(32)),
    # The access-token lifetime chosen at login, kept by every refresh; NULL: the default.
    Column("access_ttl_s", Integer),
    Index(None, "user_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),  # SHA-256 of the opaque token
    Column("family_id", String(40), ForeignKey("token_families.id"), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "family_id"),
)

staff_api_keys = Table(
    "staff_api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    # A key acts as its staff user, with that user's current grants (docs/identity.md).
    Column("user_id", String(40), ForeignKey("staff_users.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),  # SHA-256 of the opaque key
    Column("scope", String(128)),  # NULL: every scope the user has a grant in
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index(None, "tenant_id", "user_id"),
)

client_token_stats = Table(
    "client_token_stats",
    metadata,
    # Tokens issued per client, per stated client_type ("" when none), per UTC day: the
    # statistics RFC 6749 clients of JTL's kind send ``client_type`` for.
    Column("tenant_id", String(64), primary_key=True),
    Column("client_id", String(64), ForeignKey("api_clients.id"), primary_key=True),
    Column("client_type", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("tokens", BigInteger, nullable=False),
    Column("last_issued_at", UTCDateTime, nullable=False),
)

__all__ = [
    "PARTNER_ALGORITHMS",
    "api_clients",
    "client_token_stats",
    "distributors",
    "partner_jtis",
    "partners",
    "refresh_tokens",
    "signing_keys",
    "staff_api_keys",
    "staff_roles",
    "staff_users",
    "token_families",
]

auth_failures = Table(
    "auth_failures",
    metadata,
    # ``kind:sha256(value)``: an address, a client id, a staff email or a partner, hashed, so
    # the table holds no addresses or emails (``voucher_engine.identity.attempts``).
    Column("key", String(80), primary_key=True),
    Column("window_start", UTCDateTime, nullable=False),  # the first failure of the window
    Column("failures", Integer, nullable=False),
    Index(None, "window_start"),  # pruning of ended windows
)
