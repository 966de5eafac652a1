"""The utility routes, called by the partner's server with a partner JWT: a voucher's state,
confirm, cancel, its ready URL, its attachment, a refund request. Each refuses a voucher in
the wrong state with its own code; another partner's voucher is "not found".

Unconfirmed reservations expire ``reservation_ttl`` after they were made: by the
``jackpot_expire_reservation`` job, and lazily by any utility call that finds one overdue.
Expiring releases what the reservation held: the voucher (EXPIRED, its value forfeited in the
ledger) and the session amount it reserved. Confirming or cancelling an expired reservation
answers ``reservation_expired`` whichever of the two expired it, so a partner's answer never
depends on whether a worker got there first.

With ``JackpotSettings.auto_confirm`` a reservation queues ``jackpot_confirm_reservation``:
a worker confirms it as the partner would (RESERVED, then CONFIRMED, then READY by itself).
"""

from __future__ import annotations

from urllib.parse import urlencode

from voucher_engine import Engine, State, Voucher, VoucherJob
from voucher_engine.delivery import Job
from voucher_engine.plugin import Call, Reply, errors
from voucher_engine_jackpot.auth import PartnerCaller
from voucher_engine_jackpot.errors import (
    NoReadyUrl,
    ReservationExpired,
    UnknownVoucher,
    VoucherNotReady,
    VoucherNotReserved,
)
from voucher_engine_jackpot.views import facts, reserved_until, voucher_out
from voucher_engine_jackpot.wire import ReadyUrlOut, VoucherOut

#: The built-in job that makes a confirmed voucher ready (the fulfil hook: a code from the pool).
FULFIL_VOUCHER = "fulfil_voucher"


def expire_reservation(engine: Engine, voucher: Voucher) -> bool:
    """Expire a reserved voucher and give its session amount back; False when it is no longer
    reserved (confirmed or cancelled meanwhile: the engine's locked transition decides)."""
    try:
        _undo(engine, voucher, expire=True)
    except errors.IllegalTransition:
        return False
    return True


def _undo(engine: Engine, voucher: Voucher, *, expire: bool) -> Voucher:
    """Cancel or expire the voucher and release its session in one transaction."""
    known = facts(voucher) or {}
    # The spend's subject is the voucher it bought; reservations made before reserving
    # became one engine command named their spend in the voucher's facts.
    return engine.undo_purchase(
        voucher.tenant_id,
        known["session"],
        voucher_id=voucher.id,
        subject=known.get("spend") or voucher.id,
        expire=expire,
    )


def _reserved_voucher(engine: Engine, job: Job) -> Voucher | str:
    """The job's voucher while it is still reserved, else the job's outcome, said."""
    if job.tenant_id is None:
        raise errors.ValidationError(f"a {job.kind} job names its tenant")
    try:
        voucher = engine.get_voucher(job.tenant_id, voucher_id=job.payload["voucher_id"])
    except errors.VoucherNotFound:
        return "no such voucher"
    return voucher if voucher.state is State.RESERVED else f"already {voucher.state.value}"


def expire_reservation_job(engine: Engine, job: Job) -> str:
    voucher = _reserved_voucher(engine, job)
    if isinstance(voucher, str):
        return voucher
    if engine.clock.now() < reserved_until(voucher):
        raise errors.ValidationError("run before the reservation's deadline; retried later")
    return "expired" if expire_reservation(engine, voucher) else "no longer reserved"


def confirm_reservation_job(engine: Engine, job: Job) -> str:
    """The partner's confirmation, made by a worker (``JackpotSettings.auto_confirm``)."""
    voucher = _reserved_voucher(engine, job)
    if isinstance(voucher, str):
        return voucher
    if engine.clock.now() >= reserved_until(voucher):
        return "expired" if expire_reservation(engine, voucher) else "no longer reserved"
    try:
        _confirm(engine, voucher)
    except errors.IllegalTransition:
        return "no longer reserved"
    return "confirmed"


def _confirm(engine: Engine, voucher: Voucher) -> Voucher:
    # One key for the route and the job: whichever confirms first, the other gets its answer.
    return engine.confirm(
        voucher.tenant_id,
        voucher_id=voucher.id,
        jobs=(VoucherJob(FULFIL_VOUCHER),),
        idempotency_key=f"jackpot-confirm:{voucher.id}",
        scope="jackpot",
    )


def _voucher(call: Call) -> Voucher:
    """The caller's voucher, with an overdue reservation expired first (as the job would)."""
    caller: PartnerCaller = call.principal
    try:
        voucher = call.engine.get_voucher(caller.tenant_id, voucher_id=call.path["voucherId"])
    except errors.VoucherNotFound as error:
        raise UnknownVoucher(f"no voucher {call.path['voucherId']!r}") from error
    known = facts(voucher)
    if known is None or known.get("partner") != caller.partner_id:
        raise UnknownVoucher(f"no voucher {call.path['voucherId']!r}")
    if voucher.state is State.RESERVED and call.engine.clock.now() >= reserved_until(voucher):
        expire_reservation(call.engine, voucher)
        voucher = call.engine.get_voucher(caller.tenant_id, voucher_id=voucher.id)
    return voucher


def _not_reserved(call: Call, voucher: Voucher) -> errors.IllegalTransition:
    """The refusal for a voucher that is not (or no longer) RESERVED, by its current state."""
    state = call.engine.get_voucher(voucher.tenant_id, voucher_id=voucher.id).state
    if state is State.EXPIRED:
        return ReservationExpired("the reservation expired before it was confirmed")
    return VoucherNotReserved(f"the voucher is {state.value.upper()}, not RESERVED")


def _ready(call: Call) -> Voucher:
    voucher = _voucher(call)
    if voucher.state is not State.READY:
        raise VoucherNotReady(f"the voucher is {voucher.state.value.upper()}, not READY")
    return voucher


def get_voucher(call: Call) -> VoucherOut:
    return voucher_out(_voucher(call))


def confirm(call: Call) -> VoucherOut:
    """RESERVED -> CONFIRMED, and fulfilment queued. Confirming again answers the same (a
    retried confirmation is safe); confirming a cancelled or expired voucher is refused."""
    voucher = _voucher(call)
    if voucher.state is State.RESERVED:
        try:
            voucher = _confirm(call.engine, voucher)
        except errors.IllegalTransition as error:
            raise _not_reserved(call, voucher) from error
    elif voucher.state not in (State.CONFIRMED, State.READY):
        raise _not_reserved(call, voucher)
    return voucher_out(voucher)


def cancel(call: Call) -> VoucherOut:
    voucher = _voucher(call)
    if voucher.state is not State.RESERVED:
        raise _not_reserved(call, voucher)
    try:
        voucher = _undo(call.engine, voucher, expire=False)
    except errors.IllegalTransition as error:
        raise _not_reserved(call, voucher) from error
    return voucher_out(voucher)


def ready_url(call: Call) -> ReadyUrlOut:
    """The URL a fulfil plugin gave the voucher, else the store's URL with the code."""
    voucher = _ready(call)
    url = voucher.metadata.get("url")
    if not isinstance(url, str):
        store_url = (facts(voucher) or {}).get("storeUrl")
        if not store_url:
            raise NoReadyUrl("this voucher's store has no URL")
        url = f"{store_url}{'&' if '?' in store_url else '?'}{urlencode({'code': voucher.code})}"
    return ReadyUrlOut(voucher.id, url)


def attachment(call: Call) -> Reply:
    voucher = _ready(call)
    rendered = call.engine.hooks.render_attachment(voucher, "application/pdf")
    if rendered is None:  # this plugin registers the renderer: only a broken install gets here
        raise RuntimeError("no plugin renders application/pdf")
    return Reply(
        content=rendered.content,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'},
    )


def request_refund(call: Call) -> VoucherOut:
    voucher = _ready(call)
    try:
        voucher = call.engine.request_refund(voucher.tenant_id, voucher_id=voucher.id)
    except errors.IllegalTransition as error:
        raise VoucherNotReady("the voucher is no longer READY") from error
    return voucher_out(voucher)
