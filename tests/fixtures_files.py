"""Small real files for the file store's tests: PDFs that pdf.js opens, written here by hand
(a catalog, a page tree, pages that paint a coloured box and a line of Helvetica, and a
correct cross-reference table), and the same packed into object streams by qpdf."""

import subprocess
import tempfile
from pathlib import Path

PAGE_WIDTH, PAGE_HEIGHT = 400, 300  # points
BOX = (50, 50, 300, 200)  # x, y, width, height of the box each page paints


def _page_content(number: int) -> bytes:
    x, y, width, height = BOX
    return (
        f"0.1 0.3 0.8 rg {x} {y} {width} {height} re f\n"
        f"BT /F1 24 Tf 1 1 1 rg {x + 20} {y + 80} Td (Page {number}) Tj ET\n"
    ).encode()


def _objects(pages: int) -> list[bytes]:
    """The PDF's objects in order (object n is at index n - 1): catalog, page tree, font,
    then a page and its content stream for each page."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    found = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        content = _page_content(i + 1)
        found.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        found.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")
    return found


def make_pdf(pages: int = 1) -> bytes:
    """A valid PDF of this many pages."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(_objects(pages), start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(offsets) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref  # "%%" is one "%" here
    return bytes(out)


def make_packed_pdf(pages: int = 1) -> bytes:
    """A valid PDF of this many pages as PDF 1.5 writers save one: qpdf (Debian's) packs its
    objects, the page tree among them, into compressed object streams, indexed by a
    cross-reference stream."""
    with tempfile.TemporaryDirectory() as folder:
        plain, packed = Path(folder) / "plain.pdf", Path(folder) / "packed.pdf"
        plain.write_bytes(make_pdf(pages))
        subprocess.run(
            ["qpdf", "--object-streams=generate", str(plain), str(packed)],
            check=True,
            capture_output=True,
        )
        return packed.read_bytes()
