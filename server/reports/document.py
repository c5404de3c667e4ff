"""What a generated document says, as plain data: a title, then headings, paragraphs and
tables. The renderer (server/reports/pdf.py) decides how it looks."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Heading:
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Text that wraps to the page's width; a newline starts a new line."""

    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A header row of column names, then rows of cells (text that wraps in its column).

    widths: the columns' relative widths (equal when None).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError("A table needs at least one column.")
        if self.widths is not None and (
            len(self.widths) != len(self.columns) or min(self.widths) <= 0
        ):
            raise ValueError("A table needs one positive width per column.")
        short = [n for n, row in enumerate(self.rows) if len(row) != len(self.columns)]
        if short:
            raise ValueError(f"Rows {short} do not have {len(self.columns)} cells.")

    @property
    def fractions(self) -> tuple[float, ...]:
        """Each column's share of the table's width; they add up to 1."""
        widths = self.widths or (1.0,) * len(self.columns)
        return tuple(width / sum(widths) for width in widths)


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR code of ``data`` (a URL), ``size`` mm wide with its quiet zone, at the left
    margin, with ``caption`` beside it (text, so that it can be read back)."""

    data: str
    size: float = 32.0
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Picture:
    """An image (PNG or JPEG bytes) fitted into a box ``width`` by ``height`` mm at the left
    margin, its aspect kept (a drawn signature)."""

    data: bytes
    width: float = 60.0
    height: float = 24.0


@dataclass(frozen=True, slots=True)
class PageBreak:
    """What follows starts on a new page (a deck's next slide)."""


Section = Heading | Paragraph | Table | QrCode | Picture | PageBreak


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A document: its title (also in every page's header and the PDF's metadata), an
    optional subtitle, its language (BCP 47, e.g. ``zh-CN``) and its sections in order.

    created: the PDF's creation date (aware); None means when it is rendered.
    """

    title: str
    subtitle: str = ""
    lang: str = "zh-CN"
    sections: tuple[Section, ...] = ()
    created: datetime | None = None
    numbered: bool = True  # "page / pages" in the footer (not on pages appended to another PDF)

    def __post_init__(self) -> None:
        if self.created is not None and self.created.utcoffset() is None:
            raise ValueError("A report's creation date must be aware (UTC).")
