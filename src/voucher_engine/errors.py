"""The one error hierarchy of voucher-engine.

Every error carries a stable string ``code`` that callers (and provider plugins that render
errors in a partner's shape) can switch on. Nothing here knows about HTTP: adapters map codes
to statuses at their own boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


class VoucherEngineError(Exception):
    """Root of every error the engine raises on purpose."""

    code: ClassVar[str] = "error"
    #: True when the same call may succeed if simply tried again (a lock or write conflict).
    retryable: ClassVar[bool] = False

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message or self.code.replace("_", " "))
        self.message = message or self.code.replace("_", " ")
        self.details = details

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


# --- bad input --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field that failed validation: ``field`` is its path as the client spelt it
    (``amount``, ``items[0].code``), ``rule`` the rule it broke (``required``, ``type``,
    ``pattern``, ``unknown``, ``min_length``, ``maximum`` ... or a provider's own), ``message``
    a sentence for people."""

    field: str
    rule: str
    message: str


class ValidationError(VoucherEngineError):
    """Bad input. ``fields`` says which fields broke which rule, when that is known; a
    provider's error renderer gets them as ``Failure.fields``."""

    code = "invalid"

    def __init__(self, message: str = "", *, fields: tuple[FieldError, ...] = (), **details: Any) -> None:
        super().__init__(message, **details)
        self.fields = tuple(fields)


class InvalidAmount(ValidationError):
    code = "invalid_amount"


class UnknownCurrency(ValidationError):
    code = "unknown_currency"


class CurrencyMismatch(ValidationError):
    code = "currency_mismatch"


class InvalidCodeFormat(ValidationError):
    code = "invalid_code_format"


class LockPeriodOutOfRange(ValidationError):
    code = "lock_period_out_of_range"


class InvalidRedemptionTime(ValidationError):
    """A stated redemption time (``at=``) in the future, or outside every validity window."""

    code = "invalid_redemption_time"


class IdentifiersDisagree(ValidationError):
    """Several identifiers were given for one member, and they name different members."""

    code = "identifiers_disagree"


# --- lookups: someone else's object is "not found", never "forbidden" --------------------------


class NotFound(VoucherEngineError):
    code = "not_found"


class TenantNotFound(NotFound):
    code = "tenant_not_found"


class VoucherNotFound(NotFound):
    code = "voucher_not_found"


class HoldNotFound(NotFound):
    code = "hold_not_found"


class PoolNotFound(NotFound):
    code = "pool_not_found"


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class StoreNotFound(NotFound):
    code = "store_not_found"


class OfferNotFound(NotFound):
    code = "offer_not_found"


class EntryNotFound(NotFound):
    code = "entry_not_found"


class MemberNotFound(NotFound):
    code = "member_not_found"


class StaffUserNotFound(NotFound):
    code = "staff_user_not_found"


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"


# --- authentication and authorisation ---------------------------------------------------------


class Unauthorized(VoucherEngineError):
    """No valid credential: bad, expired, revoked or replayed token, wrong secret or password.

    The message stays generic on purpose; ``details["reason"]`` says why, for logs only."""

    code = "unauthorized"


class TooManyAttempts(VoucherEngineError):
    """Too many failed authentications from this client address or for this identity (a
    client id, a staff email, a partner) in the current window: refused before the credentials
    are checked. ``retry_after`` is the number of seconds until the window ends. Not an
    ``Unauthorized``: nothing was said about the credentials."""

    code = "too_many_attempts"

    def __init__(self, message: str = "", retry_after: int = 1) -> None:
        super().__init__(message or "too many failed authentications; try again later")
        self.retry_after = retry_after


class Forbidden(VoucherEngineError):
    """A valid credential that lacks the scope or role the operation needs."""

    code = "forbidden"


class InvalidScope(Forbidden):
    """A client asked for scopes beyond those it is allowed (RFC 6749 ``invalid_scope``)."""

    code = "invalid_scope"


class PermissionDenied(Forbidden):
    """A staff user (or their API key) lacks a named permission (``redeem.voucher``) in a
    scope; ``scope`` and ``permission`` say which."""

    code = "permission_denied"

    def __init__(self, scope: str = "", permission: str = "") -> None:
        super().__init__(
            f"this operation needs the permission {permission!r} in {scope!r}"
            if permission
            else "this operation needs a permission the caller lacks"
        )
        self.scope = scope
        self.permission = permission


class OAuthError(ValidationError):
    """A refusal of the OAuth 2 token endpoint, named as RFC 6749 5.2 names it: ``error`` is
    one of invalid_request, invalid_client, invalid_grant, unauthorized_client,
    unsupported_grant_type, invalid_scope. Providers render it as the RFC's JSON body; the
    status (401 for invalid_client, else 400) is theirs to set. A provider that does not
    render it still answers a client error (a ValidationError), never a 500."""

    code = "oauth_error"
    ERRORS = frozenset(
        {
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
        }
    )

    def __init__(self, error: str = "invalid_request", description: str = "the token request was refused") -> None:
        if error not in self.ERRORS:
            raise ValueError(f"{error!r} is not an RFC 6749 5.2 error")
        super().__init__(description)
        self.error = error
        self.description = description


# --- business rules ---------------------------------------------------------------------------


class Rejected(VoucherEngineError):
    """The request was well formed but the voucher's rules refuse it."""

    code = "rejected"


class IllegalTransition(Rejected):
    code = "illegal_transition"


class InsufficientFunds(Rejected):
    code = "insufficient_funds"


class InvalidPin(Rejected):
    code = "invalid_pin"


class VoucherNotYetValid(Rejected):
    code = "voucher_not_yet_valid"


class VoucherExpired(Rejected):
    code = "voucher_expired"


class NotRedeemableHere(Rejected):
    code = "not_redeemable_here"


class VoucherLocked(Rejected):
    code = "voucher_locked"


class NotLocked(Rejected):
    code = "not_locked"


class NothingToRedeem(Rejected):
    """``redeem_all`` on a voucher with nothing left to spend."""

    code = "nothing_to_redeem"


class HeldByAnother(Rejected):
    """The voucher is already bound to a different holder."""

    code = "voucher_held_by_another"


class HoldNotPending(Rejected):
    code = "hold_not_pending"


class HoldExpired(HoldNotPending):
    code = "hold_expired"


class PoolDepleted(Rejected):
    code = "pool_depleted"


class NoCampaignAvailable(Rejected):
    code = "no_campaign_available"


class AlreadyExists(Rejected):
    code = "already_exists"


class ThirdPartyIdInUse(AlreadyExists):
    """Another voucher of the tenant already carries this third-party id."""

    code = "third_party_id_in_use"


class StaffEmailTaken(AlreadyExists):
    code = "staff_email_taken"


class Vetoed(Rejected):
    """A plugin's ``voucher_engine_veto_command`` refused the command."""

    code = "vetoed"


# --- spending sessions: a budget that purchases draw on -----------------------------------------


class SessionNotFound(NotFound):
    code = "session_not_found"


class SessionEnded(Rejected):
    code = "session_ended"


class SessionExpired(Rejected):
    code = "session_expired"


class SessionAmountExceeded(Rejected):
    code = "session_amount_exceeded"


# --- idempotency (Stripe semantics) -----------------------------------------------------------


class IdempotencyKeyReused(VoucherEngineError):
    """The key was already used for a different request."""

    code = "idempotency_key_reused"


class IdempotencyKeyInUse(VoucherEngineError):
    """A request with this key is still running; retry later."""

    code = "idempotency_key_in_use"
    retryable = True


# --- storage, translated at the storage boundary ----------------------------------------------


class Conflict(VoucherEngineError):
    """A lock timeout, deadlock, serialization failure or busy database: safe to retry."""

    code = "conflict"
    retryable = True


class StorageError(VoucherEngineError):
    code = "storage_error"


class InvalidData(ValidationError):
    """The database refused a value the request carried (a NUL character in a string, a
    number out of the column's range): the client's mistake, not an outage, so it is not
    worth retrying. The message is generic; the driver's own text stays in the logs."""

    code = "invalid_data"
