"""Vouchers: what a voucher is, and the rules that decide whether one may be spent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from voucher_engine.domain import validity
from voucher_engine.domain.hashing import fingerprint
from voucher_engine.domain.lifecycle import State
from voucher_engine.domain.money import Money, exponent_of, require_currency
from voucher_engine.domain.validity import Window, WindowSpec
from voucher_engine.errors import (
    InvalidAmount,
    InvalidPin,
    NotRedeemableHere,
    ValidationError,
    VoucherLocked,
)


class VoucherKind(StrEnum):
    """How a voucher's balance is counted.

    All three share one balance column: minor currency units for monetary vouchers, uses for
    the others (a single-use voucher starts with exactly one use). The same conditional
    ``UPDATE`` therefore guards every kind against being spent twice.
    """

    MONETARY = "monetary"
    MULTI_USE = "multi_use"
    SINGLE_USE = "single_use"


@dataclass(frozen=True, slots=True)
class VoucherSpec:
    """Everything needed to issue one voucher (also the template a campaign issues from).

    ``value`` is a ``Money`` for monetary vouchers and the number of uses for multi-use ones;
    single-use vouchers may omit it. ``currency`` may be set on count-based vouchers to state
    what a use is worth in (a fixed "meal for two" voucher sold in GBP).
    """

    kind: VoucherKind
    value: Money | int | None = None
    currency: str | None = None
    validity: tuple[WindowSpec, ...] = ()
    redeemable_at: tuple[str, ...] = ()
    pin: str | None = None
    taxable: bool = False
    tax_rate: Decimal | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: The id another system knows this voucher by (unique per tenant when set).
    third_party_id: str | None = None

    def __post_init__(self) -> None:
        kind = VoucherKind(self.kind)
        object.__setattr__(self, "kind", kind)
        if kind is VoucherKind.MONETARY:
            if not isinstance(self.value, Money) or self.value.minor <= 0:
                raise InvalidAmount("a monetary voucher needs a positive Money value")
            if self.currency is not None:
                require_currency(self.currency, self.value.currency)
            object.__setattr__(self, "currency", self.value.currency)
        elif kind is VoucherKind.MULTI_USE:
            if type(self.value) is not int or self.value < 1:
                raise InvalidAmount("a multi-use voucher needs a positive number of uses")
        elif self.value is not None and not (type(self.value) is int and self.value == 1):
            # Not `value in (None, 1)`: True and 1.0 compare equal to 1 and would be stored.
            raise InvalidAmount("a single-use voucher has exactly one use")
        if self.currency is not None:
            exponent_of(self.currency)
        if self.tax_rate is not None:
            try:
                rate = Decimal(self.tax_rate)
            except (InvalidOperation, TypeError):
                raise ValidationError(f"not a tax rate: {self.tax_rate!r}") from None
            if not (0 <= rate <= 100):
                raise ValidationError("a tax rate is a percentage between 0 and 100")
            object.__setattr__(self, "tax_rate", rate)
        if self.pin is not None and not (1 <= len(self.pin) <= 255):
            raise ValidationError("a PIN is 1 to 255 characters")
        if self.third_party_id is not None and not (
            isinstance(self.third_party_id, str) and 1 <= len(self.third_party_id) <= 255
        ):
            raise ValidationError("a third-party id is 1 to 255 characters")

    @property
    def units(self) -> int:
        """The starting balance in minor units or uses."""
        if isinstance(self.value, Money):
            return self.value.minor
        return self.value if isinstance(self.value, int) else 1


@dataclass(frozen=True, slots=True)
class Voucher:
    """A voucher as stored, with its balance in minor units (monetary) or uses."""

    id: str
    tenant_id: str
    code: str
    kind: VoucherKind
    state: State
    currency: str | None
    initial: int
    available: int
    held: int
    windows: tuple[Window, ...]
    redeemable_at: tuple[str, ...]
    taxable: bool
    tax_rate: Decimal | None
    metadata: dict[str, Any]
    holder: str | None
    campaign_id: str | None
    offer_id: str | None
    pin_hash: str | None
    locked_until: datetime | None
    lock_code_hash: str | None
    seq: int
    created_at: datetime
    updated_at: datetime
    #: A stable integer id, unique per tenant, assigned at issue (for partners whose APIs
    #: number vouchers). 0 only in a result saved for an idempotency key before public ids
    #: existed.
    public_id: int = 0
    third_party_id: str | None = None

    @property
    def monetary(self) -> bool:
        return self.kind is VoucherKind.MONETARY

    @property
    def expires_at(self) -> datetime | None:
        return validity.expires_at(self.windows)

    def balance(self) -> Money | int:
        """What is left to spend: money for monetary vouchers, uses otherwise."""
        if self.monetary:
            assert self.currency is not None
            return Money(self.available, self.currency)
        return self.available

    def is_locked(self, at: datetime) -> bool:
        return self.locked_until is not None and at < self.locked_until

    def check_redeemable(
        self, request: RedeemRequest, at: datetime, *, pin_ok: bool, valid_at: datetime | None = None
    ) -> int:
        """Apply every rule that does not change with concurrent writes; return the units.

        ``pin_ok`` says whether ``request.pin`` matched the stored hash (verified by the
        caller, outside any write lock: the hash is slow on purpose). What *can* change
        concurrently (balance, state, lock) is re-checked by the conditional ``UPDATE`` that
        moves the money; this check only produces the right error first. Validity is checked at
        ``valid_at`` (a stated redemption time) when given, everything else at ``at`` (now).
        """
        # The PIN first: a wrong PIN must not reveal, through a currency or amount error,
        # that the code exists.
        if self.pin_hash is not None and not pin_ok:
            raise InvalidPin("wrong or missing PIN")
        units = self.units_of(request.amount)
        validity.check_valid(self.windows, at if valid_at is None else valid_at)
        if request.store is not None and self.redeemable_at and request.store not in self.redeemable_at:
            raise NotRedeemableHere(f"not redeemable at {request.store!r}", store=request.store)
        if self.is_locked(at) and (
            request.locking_code is None or fingerprint(request.locking_code) != self.lock_code_hash
        ):
            raise VoucherLocked("the voucher is locked", locked_until=self.locked_until)
        return units

    def units_of(self, amount: Money | int | None) -> int:
        """Translate a requested amount into balance units, refusing what does not fit."""
        if self.monetary:
            if not isinstance(amount, Money):
                raise InvalidAmount("a monetary voucher is redeemed by an amount of money")
            assert self.currency is not None
            require_currency(self.currency, amount.currency)
            units = amount.minor
        elif amount is None:
            units = 1
        elif isinstance(amount, Money):
            raise InvalidAmount("this voucher counts uses, not money")
        else:
            units = amount
        if type(units) is not int or units <= 0:
            raise InvalidAmount("the amount must be positive")
        return units


@dataclass(frozen=True, slots=True)
class RedeemRequest:
    amount: Money | int | None = None
    pin: str | None = None
    store: str | None = None
    locking_code: str | None = None


@dataclass(frozen=True, slots=True)
class VoucherRef:
    """One voucher named by any of the ids a caller may know it by.

    At least one is given; when several are, they must all name the same voucher (a
    reference whose parts disagree names no voucher at all).
    """

    code: str | None = None
    voucher_id: str | None = None
    public_id: int | None = None
    third_party_id: str | None = None

    def __post_init__(self) -> None:
        if self.code is None and self.voucher_id is None and self.public_id is None and self.third_party_id is None:
            raise ValidationError("name a voucher by code, id, public id or third-party id")
        if self.public_id is not None and (type(self.public_id) is not int or self.public_id < 1):
            raise ValidationError("a public id is a positive integer")
        for name in ("code", "voucher_id", "third_party_id"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and 0 < len(value) <= 255):
                raise ValidationError(f"{name} is 1 to 255 characters")

    def matches(self, voucher: Voucher) -> bool:
        """Whether every part given names ``voucher`` (codes compared as stored)."""
        return (
            (self.code is None or self.code == voucher.code)
            and (self.voucher_id is None or self.voucher_id == voucher.id)
            and (self.public_id is None or self.public_id == voucher.public_id)
            and (self.third_party_id is None or self.third_party_id == voucher.third_party_id)
        )
