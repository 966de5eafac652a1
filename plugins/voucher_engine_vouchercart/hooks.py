"""The entry point (``voucher_engine`` group, name ``vouchercart``): registers the provider."""

from __future__ import annotations

from voucher_engine.plugin import Register, hookimpl
from voucher_engine_vouchercart.provider import PROVIDER


@hookimpl
def voucher_engine_register_providers(register: Register) -> None:
    register(PROVIDER)
