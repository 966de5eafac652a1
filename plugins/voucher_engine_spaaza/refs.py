"""How a Spaaza request names a voucher and a chain, turned into the engine's terms.

A voucher is named by ``voucher_id`` (the engine's public id), ``voucher_key`` (its code) or
``voucher_third_party_id``. When several are given they must name the same voucher; the engine
then gets one reference, by the first of them in that order. Another chain's voucher is simply
not found: lookups run in the caller's tenant only.
"""

from __future__ import annotations

from datetime import timedelta

from voucher_engine import Engine, Voucher, VoucherRef
from voucher_engine.plugin import errors
from voucher_engine_spaaza.auth import SpaazaCaller
from voucher_engine_spaaza.errors import InvalidLockPeriod, InvalidParameter, PermissionDenied, VoucherNotFound
from voucher_engine_spaaza.settings import settings_of

MIN_LOCK = 120
MAX_LOCK = 3600
DEFAULT_LOCK = 300


def chain_tenant(engine: Engine, caller: SpaazaCaller, chain_id: int | None) -> str:
    """The caller's tenant, after checking that ``chain_id`` (when given) is its chain."""
    if chain_id is not None and settings_of(engine).tenant_of(chain_id) != caller.tenant_id:
        raise PermissionDenied(f"no write access to chain {chain_id}")
    return caller.tenant_id


def lock_period(seconds: int | None) -> timedelta:
    if seconds is None:
        return timedelta(seconds=DEFAULT_LOCK)
    if not MIN_LOCK <= seconds <= MAX_LOCK:
        raise InvalidLockPeriod(f"voucher_lock_period is {MIN_LOCK} to {MAX_LOCK} seconds, not {seconds}")
    return timedelta(seconds=seconds)


def locking_code(retailer_basket_code: str | None, voucher_locking_code: str | None) -> str | None:
    if retailer_basket_code is not None and voucher_locking_code is not None:
        raise InvalidParameter("give retailer_basket_code or voucher_locking_code, not both")
    return retailer_basket_code if retailer_basket_code is not None else voucher_locking_code


def described(key: str | None, public_id: int | None, third_party_id: str | None) -> str:
    named = [
        f"voucher_id {public_id}" if public_id is not None else "",
        f"voucher_key {key!r}" if key is not None else "",
        f"voucher_third_party_id {third_party_id!r}" if third_party_id is not None else "",
    ]
    return ", ".join(n for n in named if n) or "a voucher"


def reference(
    engine: Engine,
    tenant_id: str,
    key: str | None,
    public_id: int | None,
    third_party_id: str | None,
) -> VoucherRef:
    """One engine reference for a voucher named one or several ways."""
    given = [
        VoucherRef(public_id=public_id) if public_id is not None else None,
        VoucherRef(code=key) if key is not None else None,
        VoucherRef(third_party_id=third_party_id) if third_party_id is not None else None,
    ]
    refs = [ref for ref in given if ref is not None]
    if not refs:
        raise InvalidParameter("each voucher needs voucher_key, voucher_id or voucher_third_party_id")
    if len(refs) > 1:
        ids = {find(engine, tenant_id, ref, described(key, public_id, third_party_id)).id for ref in refs}
        if len(ids) > 1:
            raise InvalidParameter(
                f"{described(key, public_id, third_party_id)}: these identifiers name different vouchers"
            )
    return refs[0]


def find(engine: Engine, tenant_id: str, ref: VoucherRef, description: str) -> Voucher:
    try:
        return engine.get_voucher(tenant_id, code=ref.code, public_id=ref.public_id, third_party_id=ref.third_party_id)
    except errors.NotFound:
        raise VoucherNotFound(f"{description}: no such voucher in this chain") from None
