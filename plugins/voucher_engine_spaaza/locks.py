"""``PUT /lock-voucher`` and ``PUT|POST /unlock-voucher`` (form or multipart bodies).

lock-voucher locks one voucher for 120..3600 s (300 when not given), bound to a
``voucher_locking_code`` or ``retailer_basket_code`` when one is given: until the lock ends
only a redemption presenting that code may spend the voucher. unlock-voucher is
administrative (admin or privileged authentication): it needs no code, and it drops the lock
and its code binding.
"""

from __future__ import annotations

from voucher_engine import Engine, Voucher
from voucher_engine.plugin import Call, errors
from voucher_engine_spaaza.auth import SpaazaCaller
from voucher_engine_spaaza.errors import refusal
from voucher_engine_spaaza.refs import chain_tenant, described, find, lock_period, locking_code, reference
from voucher_engine_spaaza.views import Viewer
from voucher_engine_spaaza.wire import (
    LockForm,
    LockResponse,
    LockResults,
    ResultOk,
    UnlockForm,
    VoucherForm,
    VoucherResponse,
    VoucherResults,
)


def _voucher(engine: Engine, caller: SpaazaCaller, form: VoucherForm) -> tuple[str, Voucher, str]:
    """The tenant, the named voucher, and how the request named it."""
    tenant_id = chain_tenant(engine, caller, int(form.chain_id) if form.chain_id is not None else None)
    public_id = int(form.voucher_id) if form.voucher_id is not None else None
    ref = reference(engine, tenant_id, form.voucher_key, public_id, form.voucher_third_party_id)
    description = described(form.voucher_key, public_id, form.voucher_third_party_id)
    return tenant_id, find(engine, tenant_id, ref, description), description


def lock_voucher(call: Call) -> LockResponse:
    caller: SpaazaCaller = call.principal
    form: LockForm = call.body
    engine = call.engine
    tenant_id, voucher, description = _voucher(engine, caller, form)
    period = lock_period(int(form.voucher_lock_period) if form.voucher_lock_period is not None else None)
    code = locking_code(form.retailer_basket_code, form.voucher_locking_code)
    try:
        locked = engine.lock(
            tenant_id,
            voucher_id=voucher.id,
            period=period,
            locking_code=code,
            holder=voucher.holder,
            idempotency_key=call.idempotency_key,
            scope=caller.scope,
        )
    except errors.VoucherEngineError as error:
        translated = refusal(error, description)
        if translated is error:
            raise
        raise translated from error
    shown = Viewer(engine, tenant_id, engine.clock.now()).fields(locked)
    return LockResponse(
        ResultOk(),
        LockResults(
            **shown,
            voucher_locking_code=form.voucher_locking_code,
            voucher_retailer_basket_code_exclusive=form.retailer_basket_code,
            result_type="lock-voucher",
        ),
    )


def unlock_voucher(call: Call) -> VoucherResponse:
    caller: SpaazaCaller = call.principal
    form: UnlockForm = call.body
    engine = call.engine
    tenant_id, voucher, description = _voucher(engine, caller, form)
    try:
        unlocked = engine.unlock(
            tenant_id,
            voucher_id=voucher.id,
            force=True,
            idempotency_key=call.idempotency_key,
            scope=caller.scope,
        )
    except errors.VoucherEngineError as error:
        translated = refusal(error, description)
        if translated is error:
            raise
        raise translated from error
    shown = Viewer(engine, tenant_id, engine.clock.now()).fields(unlocked)
    return VoucherResponse(ResultOk(), VoucherResults(**shown, result_type="unlock-voucher"))
