"""Distributor bearer tokens: each token belongs to one distributor of one tenant."""

from __future__ import annotations

from voucher_engine import Engine
from voucher_engine.identity import DistributorIdentity, Identity
from voucher_engine.plugin import AuthScheme, Credentials


def authenticate(engine: Engine, credentials: Credentials) -> DistributorIdentity:
    """The distributor holding this token, or ``Unauthorized``. The tenant comes from the
    token, so a distributor can only ever reach its own tenant's campaigns.

    A token seen before is named from memory, with no round trip; the issuing transaction then
    checks that it is still the distributor's (``token_digest``), so a rotated token is refused
    at once, whichever process rotated it (see ``issuance.request_voucher``)."""
    return engine.shared(Identity).distributors.claimed_distributor(credentials.token or "")


DISTRIBUTOR_TOKEN = AuthScheme(
    "bearer",
    authenticate,
    description="The distributor's bearer token; each token is tied to one distributor_id.",
)
