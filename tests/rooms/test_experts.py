from datetime import UTC, datetime, timedelta

import pytest

from rooms.errors import DomainError
from rooms.experts import (
    DISCIPLINES,
    GROUPS,
    MAX_CSV_ROWS,
    CsvError,
    Expert,
    conflict_reasons,
    discipline_code,
    edit_expert,
    format_csv,
    has_conflict,
    matches_text,
    new_expert,
    parse_csv,
)

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def make(**fields: object) -> Expert:
    base: dict[str, object] = {"name": "Wang Li", "email": "wang.li@example.org"}
    return new_expert(expert_id="e1", org_id="org1", fields={**base, **fields}, now=NOW)


def errors_of(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(CsvError) as caught:
        parse_csv(data)
    return [(row.line, row.error.message) for row in caught.value.rows]


HEADER = "name,title,affiliation,disciplines,tags,email,conflicts\r\n"


# the discipline list


def test_discipline_codes_are_unique_and_in_a_known_group() -> None:
    codes = [d.code for d in DISCIPLINES]

    assert len(codes) == len(set(codes))
    assert all(len(code) == 4 and code[:2] in GROUPS for code in codes)
    assert 20 <= len(codes) <= 50


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0812", "0812"),
        ("数学", "0701"),
        ("mathematics", "0701"),
        (" Computer  Science and Technology ", "0812"),
    ],
)
def test_discipline_code_accepts_codes_and_labels(text: str, code: str) -> None:
    assert discipline_code(text) == code


def test_discipline_code_refuses_unknown_names() -> None:
    with pytest.raises(DomainError) as caught:
        discipline_code("Alchemy")

    assert caught.value.code == "unknown_discipline"
    assert caught.value.message == (
        "Unknown discipline 'Alchemy'; use a code or a name from the discipline list."
    )


# validation and normalization


def test_new_expert_normalizes_every_field() -> None:
    expert = make(
        name="  Wang   Li ",
        title=" Professor ",
        affiliation="Tsinghua  University",
        disciplines="数学；Physics; 0701",
        tags=["AI", " machine learning ", "ai", ""],
        email=" Wang.Li@Example.ORG ",
        conflicts="org: Peking  University; PROJECT:Moon Base;expert:e2",
    )

    assert expert == Expert(
        expert_id="e1",
        org_id="org1",
        name="Wang Li",
        title="Professor",
        affiliation="Tsinghua University",
        disciplines=("0701", "0702"),
        tags=("AI", "machine learning"),
        email="wang.li@example.org",
        conflicts=("org:Peking University", "project:Moon Base", "expert:e2"),
        created_at=NOW,
        updated_at=NOW,
    )


def test_tags_split_on_chinese_and_latin_commas() -> None:
    assert make(tags="人工智能，机器人, 芯片").tags == ("人工智能", "机器人", "芯片")


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"name": " "}, "missing_field", "Field name is required."),
        ({"name": "x" * 101}, "too_long", "Field name must have at most 100 characters."),
        ({"name": "a\nb"}, "invalid", "Field name must be a single line of text."),
        ({"title": 5}, "invalid", "Field title must be text."),
        ({"email": "nobody"}, "invalid_email", "'nobody' is not an email address."),
        ({"email": ""}, "missing_field", "Field email is required."),
        ({"disciplines": "0701;Alchemy"}, "unknown_discipline",
         "Unknown discipline 'Alchemy'; use a code or a name from the discipline list."),
        ({"disciplines": [1]}, "invalid", "Field disciplines must be a list of text."),
        ({"tags": ["t"] * 21}, "too_many", "Field tags takes at most 20 items."),
        ({"tags": ["x" * 41]}, "too_long", "A tag has at most 40 characters."),
        ({"conflicts": "friend:e2"}, "invalid_conflict",
         "Conflict 'friend:e2' must look like expert:<expert id>, org:<name> or project:<name>."),
        ({"conflicts": "org:"}, "invalid_conflict",
         "Conflict 'org:' must look like expert:<expert id>, org:<name> or project:<name>."),
        ({"conflicts": "expert:a b"}, "invalid_conflict", "'a b' is not an expert id."),
        ({"conflicts": "expert:e1"}, "invalid_conflict",
         "An expert cannot conflict with themselves."),
        ({"phone": "123"}, "unknown_field", "Unknown field: phone."),
        ({"tags": ["a;b"]}, "invalid_item",
         "Field tags: 'a;b' holds a separator; enter it as separate items."),
        ({"conflicts": ["org:A;B"]}, "invalid_item",
         "Field conflicts: 'org:A;B' holds a separator; enter it as separate items."),
        ({"tags": ["bell\x07"]}, "invalid", "Field tags must be a single line of text."),
    ],
)  # fmt: skip
def test_new_expert_refuses_bad_fields(fields: dict[str, object], code: str, message: str) -> None:
    with pytest.raises(DomainError) as caught:
        make(**fields)

    assert (caught.value.code, caught.value.message) == (code, message)


def test_edit_expert_replaces_only_the_given_fields_and_keeps_created_at() -> None:
    expert = make(title="Professor", tags=["AI"])

    edited = edit_expert(expert, fields={"title": "Researcher", "tags": []}, now=LATER)

    assert (edited.name, edited.title, edited.tags) == ("Wang Li", "Researcher", ())
    assert (edited.created_at, edited.updated_at) == (NOW, LATER)


def test_edit_expert_checks_the_result_again() -> None:
    with pytest.raises(DomainError) as caught:
        edit_expert(make(), fields={"email": "broken"}, now=LATER)

    assert caught.value.code == "invalid_email"


# conflicts


def test_has_conflict_with_declared_experts_orgs_and_projects() -> None:
    expert = make(conflicts=["expert:e2", "org:Peking University", "project:Moon Base"])

    assert has_conflict(expert, expert_ids=["e9", "e2"]) is True
    assert has_conflict(expert, orgs=["peking  UNIVERSITY"]) is True
    assert has_conflict(expert, projects=["moon base"]) is True
    assert has_conflict(expert, expert_ids=["e3"], orgs=["Fudan"], projects=["Mars"]) is False


def test_working_for_an_organization_is_a_conflict_with_it() -> None:
    expert = make(affiliation="Tsinghua University")

    assert conflict_reasons(expert, orgs=["tsinghua university"]) == ["org:Tsinghua University"]


def test_conflict_reasons_name_each_conflict_once() -> None:
    expert = make(affiliation="Fudan", conflicts=["org:fudan", "expert:e2"])

    assert conflict_reasons(expert, orgs="Fudan", expert_ids=["e2", "e1"]) == [
        "org:fudan",
        "expert:e2",
    ]


def test_an_expert_has_no_conflict_with_themselves() -> None:
    assert has_conflict(make(), expert_ids=["e1"]) is False


# text search


@pytest.mark.parametrize(
    ("text", "found"),
    [("", True), ("wang", True), ("WANG tsinghua", True), ("robot", True), ("清华", False),
     ("wang fudan", False), ("example.org", True)],
)  # fmt: skip
def test_matches_text_needs_every_word(text: str, found: bool) -> None:
    expert = make(affiliation="Tsinghua University", tags=["Robotics"])

    assert matches_text(expert, text) is found


# CSV


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

    assert errors_of(data.encode()) == [(6, "'b@' is not an email address.")]


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
        (4, "'bad' is not an email address."),
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
