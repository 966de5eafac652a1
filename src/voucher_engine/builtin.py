"""The built-in hook implementations. Each is ``trylast``: any plugin runs before it and, for
first-result hooks, replaces it without a special code path."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from voucher_engine import pdf
from voucher_engine.hookspecs import hookimpl
from voucher_engine.providers import Attachment, Fulfilment

if TYPE_CHECKING:
    from voucher_engine.clock import RandomSource
    from voucher_engine.domain.codes import CodeFormat
    from voucher_engine.domain.vouchers import Voucher
    from voucher_engine.engine import Engine


@hookimpl(trylast=True)
def voucher_engine_code_generator(code_format: CodeFormat, random: RandomSource) -> Callable[[], str]:
    return code_format.generator(random)


@hookimpl(trylast=True)
def voucher_engine_fulfil(engine: Engine, tenant_id: str, voucher: Voucher) -> Fulfilment | None:
    """Give the voucher a code from its offer's pool, idempotently by the voucher id."""
    if voucher.offer_id is None:
        return None
    offer = engine.get_offer(tenant_id, voucher.offer_id)
    if offer.pool_id is None:
        return None
    issued = engine.pop_code(tenant_id, offer.pool_id, reference=voucher.id)
    return Fulfilment(code=issued.code)


@hookimpl(trylast=True)
def voucher_engine_render_attachment(voucher: Voucher, media_type: str) -> Attachment | None:
    if media_type != "application/pdf":
        return None
    lines = [f"Voucher {voucher.code}"]
    balance = voucher.balance()
    lines.append(f"Value: {balance}" if voucher.monetary else f"Uses left: {balance}")
    if voucher.expires_at is not None:
        lines.append(f"Valid until: {voucher.expires_at.isoformat()}")
    if voucher.redeemable_at:
        lines.append(f"Redeemable at: {', '.join(voucher.redeemable_at)}")
    return Attachment(pdf.text_document(lines), "application/pdf", f"voucher-{voucher.id}.pdf")
