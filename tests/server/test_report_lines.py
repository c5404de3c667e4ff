"""Line breaking for Chinese and English (server/reports/lines.py) and the document's checks;
every character is one unit wide here."""

import pytest

from server.reports import Table
from server.reports.lines import break_lines, pieces


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("评审结果评审结果", 3, ["评审结", "果评审", "结果"]),
        ("Review results here", 10, ["Review", "results", "here"]),
        # a run of Chinese after a Latin word fills the line, it does not start a new one
        ("Chair 张伟主持评审", 8, ["Chair 张伟", "主持评审"]),
        ("评审 Review results", 9, ["评审 Review", "results"]),
        # closing punctuation never starts a line, opening punctuation never ends one
        ("评审，结果", 2, ["评", "审，", "结果"]),
        ("评审《结果》", 3, ["评审", "《结", "果》"]),
        ("Zhang Wei，张伟", 9, ["Zhang", "Wei，张伟"]),
        # a word wider than the line is cut
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("a abcdefghij", 4, ["a", "abcd", "efgh", "ij"]),
        # the text's own line breaks stay; spaces at the ends of lines go
        ("a\n\nb  ", 4, ["a", "", "b"]),
        ("", 4, [""]),
        ("  indented", 10, ["indented"]),
    ],
)
def test_break_lines_breaks_chinese_anywhere_and_english_at_spaces(
    text: str, width: float, lines: list[str]
) -> None:
    assert break_lines(text, width=width, measure=len) == lines


def test_pieces_keep_every_character_but_leading_spaces() -> None:
    text = " 评审结果（Review results）：张伟, Li Na “中国科学技术协会”。[1] (a) x"

    found = pieces(text)

    assert "".join(found) == text.lstrip()
    assert found[:5] == ["评", "审", "结", "果", "（Review "]


def test_table_refuses_rows_and_widths_that_do_not_fit_its_columns() -> None:
    with pytest.raises(ValueError, match=r"Rows \[1\] do not have 2 cells"):
        Table(columns=("a", "b"), rows=(("1", "2"), ("3",)))
    with pytest.raises(ValueError, match="one positive width per column"):
        Table(columns=("a", "b"), rows=(), widths=(1.0,))


def test_table_fractions_share_the_width_by_weight() -> None:
    assert Table(columns=("a", "b"), rows=(), widths=(1, 3)).fractions == (0.25, 0.75)
    assert Table(columns=("a", "b"), rows=()).fractions == (0.5, 0.5)
