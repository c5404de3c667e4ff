"""PDF reports (server/reports), read back as a person's tools would: poppler's pdftotext,
pdfinfo and pdffonts (Debian's poppler-utils, which `make test` installs)."""

import logging
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.app import make_app
from server.appkeys import REPORT_FONT
from server.reports import (
    Heading,
    Paragraph,
    Report,
    ReportFont,
    ReportFontMissing,
    Table,
    find_font,
    render_pdf,
)
from server.settings import Settings

TITLE = "评审结果 Review results"
COLUMNS = ("序号 No.", "姓名 Name", "评审意见 Comment")
COMMENT = "项目创新性强，技术路线清晰，建议资助。Strong proposal with a clear plan."


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install Debian's poppler-utils (make test installs it)")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True).stdout


def squeezed(text: str) -> str:
    """Text without any whitespace: Chinese lines wrap anywhere, with nothing between."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def font() -> ReportFont:
    found = find_font()
    if found.path is None:
        pytest.fail(found.missing_message())
    return found


def results_report() -> Report:
    rows = tuple(
        (str(n), "张伟" if n % 2 else "Li Na", COMMENT * (1 + n % 3)) for n in range(1, 61)
    )
    return Report(
        title=TITLE,
        subtitle="中国科学技术协会 · 云评审",
        lang="zh-CN",
        created=datetime(2026, 12, 5, 8, 30, tzinfo=UTC),
        sections=(
            Heading("评审结果 Results"),
            Paragraph(
                "本次评审由中国科学技术协会组织。" * 6
                + " Scores were sealed until the chair closed each item."
            ),
            Table(columns=COLUMNS, rows=rows, widths=(1, 2, 7)),
            Paragraph("评审组组长：张伟\nChair: Zhang Wei"),
        ),
    )


@pytest.fixture(scope="module")
def pdf_file(font: ReportFont, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "results.pdf"
    path.write_bytes(render_pdf(results_report(), font=font))
    return path


def info(path: Path) -> dict[str, str]:
    lines = poppler("pdfinfo", str(path)).splitlines()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def test_render_pdf_makes_an_a4_document_of_several_pages_with_its_metadata(pdf_file) -> None:
    details = info(pdf_file)

    assert int(details["Pages"]) > 1
    assert {key: details[key] for key in ("Title", "Subject", "Creator", "Page size")} == {
        "Title": TITLE,
        "Subject": "中国科学技术协会 · 云评审",
        "Creator": "Yunhui",
        "Page size": "595.28 x 841.89 pts (A4)",
    }


def test_render_pdf_embeds_one_subset_cjk_font(pdf_file) -> None:
    rows = poppler("pdffonts", str(pdf_file)).splitlines()[2:]

    assert [row.split()[1:] for row in rows] == [
        ["CID", "TrueType", "Identity-H", "yes", "yes", "yes", "11", "0"]
    ]


def test_render_pdf_text_reads_back_in_chinese_and_english(pdf_file) -> None:
    text = poppler("pdftotext", str(pdf_file), "-")
    words = " ".join(text.split())

    assert squeezed(text).count("中国科学技术协会") == 7  # subtitle, then six in the paragraph
    assert squeezed(text).count("张伟") == 31  # 30 rows, and the chair
    assert squeezed(text).count("评审结果Results") == 1
    assert squeezed(text).count("项目创新性强，技术路线清晰，建议资助。") == 120
    assert words.count("Li Na") == 30
    assert words.count("Scores were sealed until the chair closed each item.") == 1
    assert words.count("Chair: Zhang Wei") == 1


def test_render_pdf_repeats_the_title_and_the_header_row_and_numbers_every_page(pdf_file) -> None:
    pages = [squeezed(page) for page in poppler("pdftotext", str(pdf_file), "-").split("\f")[:-1]]
    count = len(pages)

    assert count == int(info(pdf_file)["Pages"])
    assert [page.startswith(squeezed(TITLE)) for page in pages] == [True] * count
    assert [page.count(squeezed("".join(COLUMNS))) for page in pages] == [1] * count
    assert [page.endswith(f"{n}/{count}") for n, page in enumerate(pages, 1)] == [True] * count


def test_render_pdf_gives_the_same_bytes_for_the_same_report(font: ReportFont) -> None:
    assert render_pdf(results_report(), font=font) == render_pdf(results_report(), font=font)


def test_render_pdf_without_a_font_names_the_package_to_install(tmp_path) -> None:
    missing = find_font(tmp_path / "no-such-font.ttc")

    with pytest.raises(ReportFontMissing) as raised:
        render_pdf(results_report(), font=missing)

    assert str(raised.value) == (
        f"PDF documents need a CJK TrueType font, and there is none at {tmp_path}/no-such-font.ttc:"
        " install Debian's package fonts-wqy-microhei (apt-get install fonts-wqy-microhei),"
        " or set REPORT_FONT to a TrueType font with Chinese glyphs."
    )


def test_find_font_takes_the_configured_font_or_the_first_candidate_there(tmp_path) -> None:
    first, second, third = (tmp_path / name for name in ("a.ttc", "b.ttf", "c.ttf"))
    second.write_bytes(b"font")
    third.write_bytes(b"font")

    assert find_font(candidates=(first, second, third)) == ReportFont(
        path=second, searched=(first, second, third)
    )
    assert find_font(third, candidates=(second,)) == ReportFont(path=third, searched=(third,))
    assert find_font(first, candidates=(second,)) == ReportFont(path=None, searched=(first,))


async def test_app_starts_without_the_font_and_says_what_to_install(
    aiohttp_client, settings: Settings, tmp_path, caplog
) -> None:
    missing = tmp_path / "no-such-font.ttc"
    caplog.set_level(logging.WARNING, logger="server.app")

    client = await aiohttp_client(make_app(replace(settings, report_font=missing)))

    assert client.app[REPORT_FONT] == ReportFont(path=None, searched=(missing,))
    said = [r.getMessage() for r in caplog.records if r.name == "server.app"]
    assert [m for m in said if "font" in m] == [client.app[REPORT_FONT].missing_message()]


async def test_app_finds_the_font_at_start_up(client, font: ReportFont) -> None:
    assert client.app[REPORT_FONT] == font


def test_settings_take_the_report_font_from_report_font(tmp_path) -> None:
    base = {"DATA_DIR": str(tmp_path)}

    assert Settings.from_env(base).report_font is None
    assert Settings.from_env({**base, "REPORT_FONT": "/fonts/x.ttc"}).report_font == Path(
        "/fonts/x.ttc"
    )
