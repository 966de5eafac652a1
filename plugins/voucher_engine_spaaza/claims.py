"""``POST /claim-vouchers``: claim 1 to 10 vouchers for one user, optionally locking them, all
or nothing, in one engine transaction (``Engine.claim_vouchers``)."""

from __future__ import annotations

from voucher_engine import VoucherRef
from voucher_engine.plugin import Call, errors
from voucher_engine_spaaza.auth import SpaazaCaller
from voucher_engine_spaaza.errors import InvalidParameter, TooManyVouchers, refusal
from voucher_engine_spaaza.refs import chain_tenant, described, lock_period, locking_code, reference
from voucher_engine_spaaza.users import find_user, holder_of
from voucher_engine_spaaza.views import Viewer
from voucher_engine_spaaza.wire import ClaimResponse, ClaimResults, ClaimVouchersRequest, ResultOk

MAX_VOUCHERS = 10


def _which(ref: object) -> str:
    if isinstance(ref, VoucherRef):
        return described(ref.code, ref.public_id, ref.third_party_id)
    return "a voucher"


def claim_vouchers(call: Call) -> ClaimResponse:
    caller: SpaazaCaller = call.principal
    request: ClaimVouchersRequest = call.body
    engine = call.engine
    tenant_id = chain_tenant(engine, caller, request.entity.chain_id)
    if not request.vouchers:
        raise InvalidParameter("vouchers: give 1 to 10 vouchers")
    if len(request.vouchers) > MAX_VOUCHERS:
        raise TooManyVouchers(f"vouchers: at most {MAX_VOUCHERS} per call, got {len(request.vouchers)}")
    locking = request.locking
    period = lock_period(locking.voucher_lock_period) if locking is not None else None
    code = locking_code(locking.retailer_basket_code, locking.voucher_locking_code) if locking is not None else None
    member = find_user(engine, tenant_id, request.user)
    refs = [
        reference(engine, tenant_id, v.voucher_key, v.voucher_id, v.voucher_third_party_id) for v in request.vouchers
    ]
    if len({(r.code, r.public_id, r.third_party_id) for r in refs}) != len(refs):
        raise InvalidParameter("vouchers: the same voucher is listed twice")
    try:
        claimed = engine.claim_vouchers(
            tenant_id,
            holder=holder_of(member),
            vouchers=refs,
            lock=locking is not None,
            lock_period=period,
            locking_code=code,
            max_count=MAX_VOUCHERS,
            idempotency_key=call.idempotency_key,
            scope=caller.scope,
        )
    except errors.VoucherEngineError as error:
        # The engine names the voucher that failed (``error.ref``): so does the answer.
        translated = refusal(error, _which(getattr(error, "ref", None)))
        if translated is error:
            raise
        raise translated from error
    viewer = Viewer(engine, tenant_id, engine.clock.now(), members={member.id: member})
    return ClaimResponse(ResultOk(), ClaimResults([viewer.voucher(v) for v in claimed]))
