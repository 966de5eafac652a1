"""The provider's settings, per engine: how long a reservation waits for its confirmation,
how long a session lasts, how long a ready voucher stays valid, whether reservations confirm
themselves.

A host sets them with ``configure``; ``voucher-engine serve`` and ``worker`` take them from the
``[providers.jackpot]`` table of the configuration file (or ``VOUCHER_ENGINE_PROVIDERS_JACKPOT_...``
variables), declared in the package's ``voucher_engine_register_settings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from voucher_engine import Engine
from voucher_engine.plugin import errors


@dataclass(frozen=True, slots=True)
class JackpotSettings:
    #: A reserved voucher not confirmed within this time expires and releases its session amount.
    reservation_ttl: timedelta = timedelta(minutes=15)
    #: The seed's "the session token expires after one hour".
    session_ttl: timedelta = timedelta(hours=1)
    #: A voucher's validity, counted from its reservation.
    voucher_validity_days: int = 365
    #: Proposals per offer in the proposal lists.
    proposals_per_offer: int = 5
    #: Confirm every reservation by itself (a worker does it at once, as the partner would):
    #: for partners who read the seed's "asynchronously goes RESERVED, CONFIRMED, READY" as
    #: automatic. Off by default: the seed lists confirmation as the partner's call.
    auto_confirm: bool = False

    def __post_init__(self) -> None:
        if self.reservation_ttl <= timedelta(0) or self.session_ttl <= timedelta(0):
            raise errors.ValidationError("reservation_ttl and session_ttl are positive")
        if self.voucher_validity_days < 1 or self.proposals_per_offer < 1:
            raise errors.ValidationError("voucher_validity_days and proposals_per_offer are at least 1")


def _defaults(engine: Engine) -> JackpotSettings:
    return JackpotSettings()


def configure(engine: Engine, settings: JackpotSettings) -> None:
    """Give this engine's Jackpot provider its settings (defaults otherwise)."""
    engine.provide(_defaults, settings)


def settings_of(engine: Engine) -> JackpotSettings:
    return engine.shared(_defaults)
