"""How many pages a PDF has, read by pypdf from its page tree wherever the PDF keeps it: a
cross-reference table or a cross-reference stream, its objects plain or packed into
compressed object streams (PDF 1.5), encrypted with an empty user password or not."""

import logging
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

log = logging.getLogger(__name__)


def count_pages(pdf: Path | bytes) -> int:
    """The PDF's pages (a file, or its bytes); 0 when it cannot be read (damaged, encrypted
    with a password, not a PDF). Blocking: run it in a thread for a large upload."""
    try:
        reader = PdfReader(BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
        return len(reader.pages)
    except Exception as error:  # pypdf raises many kinds on a damaged file: all mean "unread"
        log.info("a PDF whose pages cannot be read: %s", error)
        return 0
