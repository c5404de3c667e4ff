"""Reports as PDF (fpdf2): A4, the CJK font embedded (subset) for all text, the title in
every page's header, "page / pages" in the footer, tables whose header row is repeated on
every page they run onto, QR codes drawn as vector squares (segno gives the modules)."""

import io
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, TableHeadingsDisplay, TextMode
from fpdf.fonts import FontFace

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
from server.reports.fonts import ReportFont
from server.reports.lines import break_lines

FAMILY = "cjk"
CREATOR = "Yunhui"
MARGIN = 20.0  # mm, all four sides
PADDING = 1.5  # mm, inside table cells
KEEP_WITH_HEADING = 20.0  # mm of the page a heading needs below it, or it starts a new page
QUIET = 4  # modules of white around a QR code
INK, GREY, RULE, SHADE = (20, 20, 20), (110, 110, 110), (170, 170, 170), (235, 238, 242)


@dataclass(frozen=True, slots=True)
class Style:
    size: float  # points
    leading: float  # mm from one line to the next
    color: tuple[int, int, int] = INK
    bold: bool = False


TITLE = Style(18, 9, bold=True)
SUBTITLE = Style(12, 6.5, GREY)
HEADING = Style(13, 7, bold=True)
BODY = Style(10.5, 5.8)
CELL = Style(9.5, 5)
SMALL = Style(8.5, 4, GREY)


class _Document(FPDF):
    def __init__(self, report: Report, font: Path) -> None:
        super().__init__(format="A4", unit="mm")
        self.report = report
        self.add_font(FAMILY, "", str(font))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self.c_margin = 0  # every line is broken to its width by lines.break_lines
        self.set_title(report.title)
        self.set_subject(report.subtitle)
        self.set_creator(CREATOR)
        self.set_lang(report.lang)
        if report.created is not None:
            self.set_creation_date(report.created)

    def header(self) -> None:
        self.set_y(MARGIN / 2)
        self.use(SMALL)
        self.cell(self.epw, SMALL.leading, self.lines(self.report.title, self.epw)[0])
        self.set_draw_color(*RULE)
        self.line(MARGIN, MARGIN - 3, self.w - MARGIN, MARGIN - 3)
        self.set_y(MARGIN)

    def footer(self) -> None:
        if not self.report.numbered:
            return
        self.set_y(-MARGIN / 2 - SMALL.leading)
        self.use(SMALL)
        self.cell(self.epw, SMALL.leading, f"{self.page_no()} / {{nb}}", align="C")

    def use(self, style: Style) -> None:
        self.set_font(FAMILY, size=style.size)
        self.set_text_color(*style.color)

    def lines(self, text: str, width: float) -> list[str]:
        return break_lines(text, width=width, measure=self.get_string_width)

    def write_text(self, text: str, style: Style) -> None:
        self.use(style)
        # the font has no bold face: a bold style strokes the glyphs' outlines too
        with self.local_context(text_mode=TextMode.FILL_STROKE if style.bold else TextMode.FILL):
            self.set_draw_color(*style.color)
            self.set_line_width(0.02 * style.size)
            text = "\n".join(self.lines(text, self.epw))
            self.multi_cell(0, style.leading, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def write_heading(self, text: str) -> None:
        if self.y + KEEP_WITH_HEADING > self.page_break_trigger:
            self.add_page()
        self.ln(2)
        self.write_text(text, HEADING)
        self.ln(1.5)

    def write_table(self, table: Table) -> None:
        self.use(CELL)
        widths = [self.epw * fraction for fraction in table.fractions]
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        with self.table(
            width=self.epw,
            col_widths=widths,
            text_align="LEFT",
            v_align="TOP",
            line_height=CELL.leading,
            padding=PADDING,
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            headings_style=FontFace(emphasis="", fill_color=SHADE),
            repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
        ) as grid:
            for row in (table.columns, *table.rows):
                grid.row(
                    [self._cell_text(text, width) for text, width in zip(row, widths, strict=True)]
                )
        self.ln(3)

    def write_qr(self, qr: QrCode) -> None:
        if self.y + qr.size > self.page_break_trigger:
            self.add_page()
        matrix = segno.make(qr.data, error="m").matrix
        module = qr.size / (len(matrix) + 2 * QUIET)
        left, top = self.l_margin + QUIET * module, self.y + QUIET * module
        self.set_fill_color(0, 0, 0)
        for row, modules in enumerate(matrix):
            for column, dark in enumerate(modules):
                if dark:
                    self.rect(left + column * module, top + row * module, module, module, "F")
        if qr.caption:
            beside = qr.size + 4
            self.set_xy(self.l_margin + beside, self.y + QUIET * module)
            self.use(SMALL)
            text = "\n".join(self.lines(qr.caption, self.epw - beside))
            self.multi_cell(self.epw - beside, SMALL.leading, text, align="L")
        self.set_xy(self.l_margin, top - QUIET * module + qr.size + 2)

    def write_picture(self, picture: Picture) -> None:
        if self.y + picture.height > self.page_break_trigger:
            self.add_page()
        self.image(
            io.BytesIO(picture.data),
            x=self.l_margin,
            y=self.y,
            w=picture.width,
            h=picture.height,
            keep_aspect_ratio=True,
        )
        self.set_y(self.y + picture.height + 2)

    def _cell_text(self, text: str, width: float) -> str:
        # a hair narrower than the cell, so that the library never breaks a line again
        return "\n".join(self.lines(text, width - 2 * PADDING - 0.05))


def _write(document: _Document, section: Section) -> None:
    if isinstance(section, Heading):
        document.write_heading(section.text)
    elif isinstance(section, Paragraph):
        document.write_text(section.text, BODY)
        document.ln(2)
    elif isinstance(section, PageBreak):
        document.add_page()
    elif isinstance(section, QrCode):
        document.write_qr(section)
    elif isinstance(section, Picture):
        document.write_picture(section)
    else:
        document.write_table(section)


def render_pdf(report: Report, *, font: ReportFont) -> bytes:
    """The report as a PDF; ReportFontMissing (naming the Debian package to install) when
    there is no font."""
    document = _Document(report, font.require())
    document.add_page()
    document.write_text(report.title, TITLE)
    if report.subtitle:
        document.write_text(report.subtitle, SUBTITLE)
    document.ln(4)
    for section in report.sections:
        _write(document, section)
    return bytes(document.output())
