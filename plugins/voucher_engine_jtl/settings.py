"""The provider's settings, per engine: how long a reservation holds its amount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from voucher_engine import Engine
from voucher_engine.plugin import errors


@dataclass(frozen=True, slots=True)
class JtlSettings:
    #: JTL: "a reservation expires after 30 minutes, or when a new one is requested for the
    #: same voucher". Bounded by the engine's ``EngineConfig.max_hold_ttl``.
    reservation_ttl: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        if self.reservation_ttl <= timedelta(0):
            raise errors.ValidationError("reservation_ttl is positive")


def _defaults(engine: Engine) -> JtlSettings:
    return JtlSettings()


def configure(engine: Engine, settings: JtlSettings) -> None:
    """Give this engine's JTL provider its settings (the defaults otherwise)."""
    engine.provide(_defaults, settings)


def settings_of(engine: Engine) -> JtlSettings:
    return engine.shared(_defaults)
