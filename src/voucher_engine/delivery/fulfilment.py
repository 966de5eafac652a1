"""The fulfilment job: a confirmed voucher becomes ready, as the fulfil hook decides."""

from __future__ import annotations

from voucher_engine.delivery.models import Job
from voucher_engine.domain.lifecycle import State
from voucher_engine.engine import Engine
from voucher_engine.errors import ValidationError

FULFIL_VOUCHER = "fulfil_voucher"


def fulfil_voucher(engine: Engine, job: Job) -> str:
    """Run ``voucher_engine_fulfil`` and apply its answer. Safe to repeat: the built-in pops
    its code by the voucher's id, and the state change is idempotent by a key of its own."""
    if job.tenant_id is None:
        raise ValidationError("a fulfilment job names its tenant")
    voucher = engine.get_voucher(job.tenant_id, voucher_id=job.payload["voucher_id"])
    if voucher.state is State.READY:
        return "already ready"
    decided = engine.hooks.fulfil(engine, job.tenant_id, voucher)
    if decided is None:
        raise ValidationError(f"no plugin can fulfil voucher {voucher.id}")
    engine.fulfil(
        job.tenant_id,
        voucher_id=voucher.id,
        new_code=decided.code,
        attributes=dict(decided.attributes),
        idempotency_key=f"fulfil:{voucher.id}",
        scope="jobs",
    )
    return "ready"
