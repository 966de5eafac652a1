"""The ready voucher as a PDF: code, value, store and expiry, and a QR code of the code.

The QR code comes from ``segno`` (pure Python) as a module matrix and is drawn as filled PDF
rectangles, one per dark module, so the page needs no image and stays a few KiB. Only
vouchers Jackpot reserved are rendered here; others are left to the built-in renderer.
"""

from __future__ import annotations

import segno

from voucher_engine import Money, Voucher
from voucher_engine.providers import Attachment

from voucher_engine_jackpot.views import facts, iso

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MODULE = 4  # points per QR module
QR_LEFT, QR_TOP = 56, 560


def _escape(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def qr_matrix(code: str) -> list[list[bool]]:
    """The QR code's modules (True: dark), row by row from the top, without quiet zone."""
    return [[bool(m) for m in row] for row in segno.make(code, error="m", micro=False).matrix]


def _qr_operators(matrix: list[list[bool]]) -> list[str]:
    ops = ["0 g"]
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                ops.append(f"{QR_LEFT + x * MODULE} {QR_TOP - (y + 1) * MODULE} {MODULE} {MODULE} re")
    ops.append("f")
    return ops


def _document(lines: list[str], matrix: list[list[bool]]) -> bytes:
    text = ["BT", "/F1 14 Tf", "20 TL", "56 780 Td"]
    text += [f"({_escape(line)}) Tj T*" for line in lines]
    text.append("ET")
    stream = "\n".join(text + _qr_operators(matrix)).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
        f"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".encode(),
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


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
    return Attachment(_document(lines, qr_matrix(voucher.code)), "application/pdf", f"voucher-{voucher.id}.pdf")
