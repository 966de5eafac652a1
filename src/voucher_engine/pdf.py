"""A minimal, dependency-free PDF writer: one A4 page of text lines in Helvetica, and filled
squares (enough to draw a QR code or a barcode module by module).

Enough for a voucher slip; a plugin that wants logos or layout implements
``voucher_engine_render_attachment`` with a real layout library.
"""

from __future__ import annotations

from collections.abc import Iterable

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4, in points


def _escape(text: str) -> str:
    # PDF string literals: escape the delimiters; keep to Latin-1, which Helvetica covers.
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_document(lines: list[str], *, size: int = 14, squares: Iterable[tuple[float, float, float]] = ()) -> bytes:
    """The page: ``lines`` from the top left, then each ``(x, y, side)`` square filled black
    (PDF points, origin at the bottom left)."""
    content = ["BT", f"/F1 {size} Tf", f"{size + 6} TL", "56 780 Td"]
    for line in lines:
        content.append(f"({_escape(line)}) Tj T*")
    content.append("ET")
    boxes = [f"{x:g} {y:g} {side:g} {side:g} re" for x, y, side in squares]
    if boxes:
        content += ["0 g", *boxes, "f"]
    stream = "\n".join(content).encode("latin-1")
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
