"""The ready voucher as a PDF: code, value, store and expiry, and a QR code of the code.

The QR code comes from ``segno`` (pure Python) as a module matrix and is drawn with the core's
PDF writer as filled squares, one per dark module, so the page needs no image and stays a few
KiB. Only
vouchers Jackpot reserved are rendered here; others are left to the built-in renderer.
"""

from __future__ import annotations

import segno

from voucher_engine import Money, Voucher
from voucher_engine.plugin import Attachment, pdf
from voucher_engine_jackpot.views import facts, iso

MODULE = 4  # points per QR module
QR_LEFT, QR_TOP = 56, 560


def qr_matrix(code: str) -> list[list[bool]]:
    """The QR code's modules (True: dark), row by row from the top, without quiet zone."""
    return [[bool(m) for m in row] for row in segno.make(code, error="m", micro=False).matrix]


def qr_squares(matrix: list[list[bool]]) -> list[tuple[float, float, float]]:
    """One filled square per dark module, below ``QR_TOP`` (PDF's y axis points up)."""
    return [
        (QR_LEFT + x * MODULE, QR_TOP - (y + 1) * MODULE, MODULE)
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
        if dark
    ]


def render(voucher: Voucher, media_type: str) -> Attachment | None:
    known = facts(voucher)
    if media_type != "application/pdf" or known is None:
        return None
    value = Money(voucher.initial, voucher.currency or "EUR")
    lines = [
        f"Voucher code: {voucher.code}",
        f"Value: {value.format()} {value.currency}",
        f"Store: {known.get('storeName') or known.get('store')}",
        f"Valid until: {iso(voucher.expires_at) or 'no expiry'}",
    ]
    document = pdf.text_document(lines, squares=qr_squares(qr_matrix(voucher.code)))
    return Attachment(document, "application/pdf", f"voucher-{voucher.id}.pdf")
