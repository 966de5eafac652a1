"""The promotional voucher issuance provider (seed 004): ``POST /api/v1/voucher/request``.

Written only against voucher-engine's public API, like any third-party provider. Mount it at
``/`` for point-of-sale clients written against the partner's host:
``create_app(engine, mounts={"promo": "/"})``. See docs/providers/promo.md.
"""

from __future__ import annotations

from voucher_engine.plugin import Register, hookimpl
from voucher_engine_promo.provider import PROVIDER, VOUCHER_PATH

__all__ = ["PROVIDER", "VOUCHER_PATH"]


@hookimpl
def voucher_engine_register_providers(register: Register) -> None:
    register(PROVIDER)
