"""The VoucherCart provider (seed 002): staff login, voucher status and redemption, and staff
users with per-domain permissions, at the seed's ``/v1/...`` paths.

Written only against voucher-engine's public API (``voucher_engine.plugin``, the top-level
exports and the identity services), like any third-party provider. Its entry point is
``voucher_engine_vouchercart.hooks``; mount it at ``/`` for clients written against
VoucherCart's host: ``create_app(engine, mounts={"vouchercart": "/"})``.
See docs/providers/vouchercart.md.

The package itself imports nothing: its pure modules (``wire``, ``codes``, ``dates``,
``permissions``) can be used without loading the provider. ``PROVIDER`` loads on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PROVIDER"]


def __getattr__(name: str) -> Any:
    if name == "PROVIDER":
        from voucher_engine_vouchercart.provider import PROVIDER

        return PROVIDER
    raise AttributeError(name)
