"""The CJK font embedded in every generated PDF, found once at start-up.

WenQuanYi Micro Hei (Debian's fonts-wqy-microhei) is a TrueType font with both Chinese and
Latin glyphs, so one font serves all text; it comes as a collection (.ttc), of which the
first face is used. REPORT_FONT may name another TrueType font (.ttf, .ttc) instead.
"""

from dataclasses import dataclass
from pathlib import Path

FONT_PACKAGE = "fonts-wqy-microhei"
DEFAULT_FONTS = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),)


class ReportFontMissing(Exception):
    """No CJK font to embed: PDF documents cannot be made until one is installed."""


@dataclass(frozen=True, slots=True)
class ReportFont:
    """The font file to embed, or None when none was found where it was looked for."""

    path: Path | None
    searched: tuple[Path, ...]

    def require(self) -> Path:
        if self.path is None:
            raise ReportFontMissing(self.missing_message())
        return self.path

    def missing_message(self) -> str:
        places = ", ".join(str(path) for path in self.searched)
        return (
            f"PDF documents need a CJK TrueType font, and there is none at {places}: "
            f"install Debian's package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE}), "
            "or set REPORT_FONT to a TrueType font with Chinese glyphs."
        )


def find_font(
    configured: Path | None = None, *, candidates: tuple[Path, ...] = DEFAULT_FONTS
) -> ReportFont:
    """The configured font file if there is one (REPORT_FONT), else the first of the
    candidates that exists."""
    searched = candidates if configured is None else (configured,)
    return ReportFont(path=next((p for p in searched if p.is_file()), None), searched=searched)
