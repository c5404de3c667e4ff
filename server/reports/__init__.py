"""Generated documents (results, certificates, signed agreements): plain data in, PDF out,
with an embedded CJK font whose text pdftotext reads back."""

from server.reports.document import (
    Heading,
    PageBreak,
    Paragraph,
    Picture,
    QrCode,
    Report,
    Section,
    Table,
)
from server.reports.fonts import FONT_PACKAGE, ReportFont, ReportFontMissing, find_font
from server.reports.pdf import render_pdf

__all__ = [
    "FONT_PACKAGE",
    "Heading",
    "PageBreak",
    "Paragraph",
    "Picture",
    "QrCode",
    "Report",
    "ReportFont",
    "ReportFontMissing",
    "Section",
    "Table",
    "find_font",
    "render_pdf",
]
