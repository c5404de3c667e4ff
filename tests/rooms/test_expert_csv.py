"""Expert CSV files: a round trip, Excel's encodings and headers, every bad row by line."""

from datetime import UTC, datetime

import pytest

from rooms.errors import DomainError
from rooms.expert_csv import MAX_CSV_ROWS, CsvError, format_csv, parse_csv
from rooms.experts import Expert, new_expert

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
HEADER = "name,title,affiliation,disciplines,tags,email,conflicts\r\n"


def make(**fields: object) -> Expert:
    base: dict[str, object] = {"name": "Wang Li", "email": "wang.li@example.org"}
    return new_expert(expert_id="e1", org_id="org1", fields={**base, **fields}, now=NOW)


def errors_of(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(CsvError) as caught:
        parse_csv(data)
    return [(row.line, row.error.message) for row in caught.value.rows]


def test_csv_round_trip_keeps_every_field() -> None:
    expert = make(
        title="Professor",
        affiliation="Tsinghua University",
        disciplines=["0812", "0701"],
        tags=["AI", "robots"],
        conflicts=["org:Peking University", "expert:e2"],
    )

    (row,) = parse_csv(format_csv([expert]).encode())

    assert row.line == 2
    assert row.fields == {
        "name": "Wang Li",
        "title": "Professor",
        "affiliation": "Tsinghua University",
        "disciplines": ("0812", "0701"),
        "tags": ("AI", "robots"),
        "email": "wang.li@example.org",
        "conflicts": ("org:Peking University", "expert:e2"),
    }


def test_format_csv_starts_with_a_bom_and_the_header() -> None:
    text = format_csv([make()])

    assert text == "\ufeff" + HEADER + "Wang Li,,,,,wang.li@example.org,\r\n"


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_format_csv_defuses_formulas_and_import_undoes_it(start: str) -> None:
    expert = make(name=f"{start}HYPERLINK(1)", tags=[f"{start}x"])

    text = format_csv([expert])
    (row,) = parse_csv(text.encode())

    assert text.splitlines()[1].startswith(f"'{start}HYPERLINK(1),")
    assert (row.fields["name"], row.fields["tags"]) == (f"{start}HYPERLINK(1)", (f"{start}x",))


def test_parse_csv_reads_chinese_headers_and_gb18030_from_excel() -> None:
    data = "姓名,职称,单位,学科,邮箱\r\n张伟,教授,清华大学,数学;物理学,zhang@example.cn\r\n"

    (row,) = parse_csv(data.encode("gb18030"))

    assert row.fields == {
        "name": "张伟",
        "title": "教授",
        "affiliation": "清华大学",
        "disciplines": ("0701", "0702"),
        "email": "zhang@example.cn",
    }


def test_parse_csv_skips_blank_lines_and_counts_lines_of_quoted_cells() -> None:
    data = HEADER + '\r\nA,,,,,a@example.org,"org:X\norg:Y"\r\n,,,,,,\r\nB,,,,,b@,\r\n'

    assert errors_of(data.encode()) == [(6, "b@ is not a valid email address.")]


def test_a_list_cell_may_hold_one_item_per_line() -> None:
    (row,) = parse_csv((HEADER + 'A,,,,,a@example.org,"org:X\norg:Y"\r\n').encode())

    assert row.fields["conflicts"] == ("org:X", "org:Y")


def test_parse_csv_reports_every_bad_row_by_line() -> None:
    data = (
        HEADER
        + "Good,,,,,good@example.org,\r\n"
        + ",,,,,nameless@example.org,\r\n"
        + "Bad Email,,,,,bad,\r\n"
        + "Twice,,,,,GOOD@example.org,\r\n"
        + "Alchemist,,,Alchemy,,al@example.org,\r\n"
        + "Wide,,,,,w@example.org,,extra\r\n"
    )

    assert errors_of(data.encode()) == [
        (3, "Field name is required."),
        (4, "bad is not a valid email address."),
        (5, "good@example.org is also on line 2."),
        (6, "Unknown discipline 'Alchemy'; use a code or a name from the discipline list."),
        (7, "The row has 8 cells but the header has 7 columns."),
    ]


def test_parse_csv_refuses_a_header_without_the_required_columns() -> None:
    assert errors_of(b"nom,title\r\nx,y\r\n") == [
        (1, "Unknown column 'nom'."),
        (1, "Column name is required."),
        (1, "Column email is required."),
    ]


def test_csv_error_message_counts_the_errors() -> None:
    with pytest.raises(CsvError) as caught:
        parse_csv((HEADER + ",,,,,a@example.org,\r\n,,,,,b@example.org,\r\n").encode())

    assert caught.value.message == "Errors in the file: 2. Nothing was imported."


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"", "invalid_csv", "The file is empty."),
        (b"\xff\xfe\x00\x00\xff", "invalid_csv", "The file is not UTF-8 text."),
        (b"x" * (2 * 1024 * 1024 + 1), "too_large", "The file is larger than 2 MiB."),
        (("name,email\n" + "a,a@b.cn\n" * (MAX_CSV_ROWS + 1)).encode(), "too_many",
         "The file has more than 5000 rows."),
    ],
)  # fmt: skip
def test_parse_csv_refuses_files_it_cannot_take(data: bytes, code: str, message: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_csv(data)

    assert (caught.value.code, caught.value.message) == (code, message)


def test_parse_csv_accepts_the_maximum_number_of_rows() -> None:
    data = "name,email\n" + "".join(f"E{i},e{i}@example.org\n" for i in range(MAX_CSV_ROWS))

    assert len(parse_csv(data.encode())) == MAX_CSV_ROWS
