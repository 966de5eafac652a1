"""The catalog: stores (merchants' outlets or sales domains) and the offers they sell.

An offer has a face value (what the voucher is worth) and a price (what the customer pays);
a discount makes the price lower. Offers come in fixed denominations or as a value range.
"""

from __future__ import annotations

from dataclasses import dataclass

from voucher_engine.domain.money import Money, require_currency
from voucher_engine.errors import FieldError, InvalidAmount, ValidationError


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    tenant_id: str
    name: str
    url: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Quote:
    face: Money
    price: Money


@dataclass(frozen=True, slots=True)
class Offer:
    id: str
    tenant_id: str
    store_id: str
    name: str
    currency: str
    denominations: tuple[int, ...] = ()  # face values in minor units
    min_value: int | None = None
    max_value: int | None = None
    step: int = 1  # range offers accept face values in steps of this many minor units
    discount_bp: int = 0  # basis points off the face value: 500 = 5 %
    pool_id: str | None = None
    active: bool = True

    def __post_init__(self) -> None:
        ranged = self.min_value is not None or self.max_value is not None
        if bool(self.denominations) == ranged:
            raise ValidationError("an offer has either denominations or a value range")
        if ranged and not (self.min_value and self.max_value and 0 < self.min_value <= self.max_value):
            raise ValidationError("a value range needs 0 < min <= max")
        if any(d <= 0 for d in self.denominations):
            raise ValidationError(
                "denominations are positive",
                fields=(FieldError("denominations", "minimum", "a denomination is positive"),),
            )
        if self.step < 1:
            raise ValidationError("a step is positive", fields=(FieldError("step", "minimum", "a step is positive"),))
        if not 0 <= self.discount_bp < 10_000:
            raise ValidationError("a discount is 0 to 99.99 %")

    def price_of(self, face: int) -> int:
        # Round the discount down (the price up to a whole minor unit): the discount given never
        # exceeds the advertised one (integer arithmetic: no float ever touches money).
        return face - face * self.discount_bp // 10_000

    def accepts(self, face: int) -> bool:
        if self.denominations:
            return face in self.denominations
        assert self.min_value is not None and self.max_value is not None
        return self.min_value <= face <= self.max_value and (face - self.min_value) % self.step == 0

    def quote_by_value(self, face: Money) -> Quote:
        require_currency(self.currency, face.currency)
        if not self.accepts(face.minor):
            raise InvalidAmount(f"{face} is not a value of offer {self.id}")
        return Quote(face, Money(self.price_of(face.minor), self.currency))

    def quote_by_price(self, price: Money) -> Quote:
        """The largest face value whose price equals ``price`` exactly."""
        require_currency(self.currency, price.currency)
        for face in sorted(self.face_values(upto=None), reverse=True):
            if self.price_of(face) == price.minor:
                return Quote(Money(face, self.currency), price)
        raise InvalidAmount(f"no value of offer {self.id} costs {price}")

    def face_values(self, upto: int | None) -> list[int]:
        """Face values on offer whose *price* is at most ``upto`` (all when ``None``)."""
        if self.denominations:
            values = sorted(self.denominations)
        else:
            assert self.min_value is not None and self.max_value is not None
            values = list(range(self.min_value, self.max_value + 1, self.step))
        return [v for v in values if upto is None or self.price_of(v) <= upto]

    def proposals(self, budget: Money, limit: int = 10) -> list[Quote]:
        """Up to ``limit`` quotes the budget can pay for, largest first."""
        require_currency(self.currency, budget.currency)
        if self.denominations:
            faces = self.face_values(budget.minor)
        else:
            # A range can hold millions of values: walk down from the largest affordable one.
            assert self.min_value is not None and self.max_value is not None
            top = min(self.max_value, self._max_face_for_price(budget.minor))
            if top < self.min_value:
                return []
            top -= (top - self.min_value) % self.step
            faces = list(range(top, max(self.min_value, top - self.step * limit) - 1, -self.step))
        faces = sorted(faces, reverse=True)[:limit]
        return [Quote(Money(f, self.currency), Money(self.price_of(f), self.currency)) for f in faces]

    def _max_face_for_price(self, price: int) -> int:
        face = price * 10_000 // (10_000 - self.discount_bp) + 1
        while face > 0 and self.price_of(face) > price:
            face -= 1
        return face
