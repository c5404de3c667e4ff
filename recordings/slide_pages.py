"""Slide pages as pictures for a composition's stage: a page of a deck's PDF rendered by
PDFium (``pypdfium2``, its own build in the wheel) at the size of its box on the stage, each
page once per composition (kept while it runs, the last ``KEPT`` of them).

A deck that cannot be opened, or a page it does not have, shows nothing (the layout is told
only of the decks that open: ``readable``). PDFium is not thread-safe: every call into it
in this process holds one lock.
"""

import logging
import threading
from collections import OrderedDict
from pathlib import Path

import pypdfium2 as pdfium
from av.video.frame import VideoFrame

from recordings import layout
from recordings.layout import Box, SlidePage

log = logging.getLogger(__name__)

KEPT = 64  # rendered pages kept at once (a 1280×720 stage's page: about 0.6 MB)
WHITE = (255, 255, 255, 255)
_PDFIUM = threading.Lock()  # PDFium's one lock in this process (the library is not thread-safe)
Picture = tuple[Box, VideoFrame]  # where it goes (fitted into its box), and the picture


class SlidePages:
    """The decks of one composition (file id → its PDF), their pages rendered as needed."""

    def __init__(self, decks: dict[str, Path]) -> None:
        self._paths = decks
        self._documents: dict[str, pdfium.PdfDocument | None] = {}
        self._pictures: OrderedDict[tuple[SlidePage, Box], Picture | None] = OrderedDict()

    def readable(self) -> set[str]:
        """The file ids of the decks that open (and have a page)."""
        with _PDFIUM:
            return {file_id for file_id in self._paths if self._document(file_id) is not None}

    def picture(self, page: SlidePage, box: Box) -> Picture | None:
        """The page fitted into the box, as a 4:2:0 picture; None when it cannot be shown."""
        key = (page, box)
        if key in self._pictures:
            self._pictures.move_to_end(key)
            return self._pictures[key]
        found = self._render(page, box)
        self._pictures[key] = found
        if len(self._pictures) > KEPT:
            self._pictures.popitem(last=False)
        return found

    def close(self) -> None:
        with _PDFIUM:
            for document in self._documents.values():
                if document is not None:
                    document.close()
        self._documents.clear()
        self._pictures.clear()

    def _document(self, file_id: str) -> pdfium.PdfDocument | None:
        """The deck's PDF, opened once (call with the lock held)."""
        if file_id not in self._documents:
            try:
                document = pdfium.PdfDocument(self._paths[file_id])
                self._documents[file_id] = document if len(document) else None
            except (pdfium.PdfiumError, OSError, KeyError):
                log.warning("the deck %s cannot be opened; its pages are left out", file_id)
                self._documents[file_id] = None
        return self._documents[file_id]

    def _render(self, page: SlidePage, box: Box) -> Picture | None:
        with _PDFIUM:
            document = self._document(page.file_id)
            if document is None or not 1 <= page.page <= len(document):
                return None
            try:
                pdf_page = document[page.page - 1]
                width, height = pdf_page.get_size()
                fitted = layout.fit(box, max(1, round(width)), max(1, round(height)))
                bitmap = pdf_page.render(
                    scale=fitted.width / width, fill_color=WHITE, prefer_bgrx=True,
                    rev_byteorder=True,
                )  # fmt: skip
                size, data = (bitmap.width, bitmap.height), bytes(bitmap.buffer)
                pixels = bitmap.stride // bitmap.width  # 4: RGBx
                pdf_page.close()
            except pdfium.PdfiumError:
                log.warning("page %s of the deck %s cannot be drawn", page.page, page.file_id)
                return None
        if pixels != 4:
            return None
        frame = VideoFrame.from_bytes(data, *size, format="rgba")  # x: alpha, dropped
        return fitted, frame.reformat(fitted.width, fitted.height, "yuv420p")
